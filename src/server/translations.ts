/**
 * POST /v1/audio/translations: speech → English text. Families that translate
 * speech directly do (task "translate"); the others transcribe, then translate
 * each segment's text, so subtitles keep their timing.
 */
import type { Transcript } from "../formats/transcript";
import type { ServerContext } from "./context";
import type { EngineOptions } from "./engine";
import { claimEngine, onEngine } from "./engine-claim";
import { engineRequest } from "./engine-options";
import { HttpError } from "./openai-error";
import { transcriptResponse } from "./transcript-responses";

export async function handleTranslation(request: Request, context: ServerContext): Promise<Response> {
  const claim = await claimEngine(request, context);
  try {
    const { fields, upload } = claim;
    if (fields.stream) throw new HttpError(400, "unsupported_parameter", "stream is not supported for translations; use /v1/audio/transcriptions to stream.", "stream");
    const { family } = context.engine;
    const prepared = engineRequest(fields, family, family.supportsAudioTranslation ? "translate" : "transcribe", request.signal);
    const result = await onEngine(claim, request.signal, () => englishTranscript(context, upload.path, prepared.options));
    const warnings = [...prepared.warnings, ...result.warnings];
    return transcriptResponse(result.transcript, fields.responseFormat, { modelId: context.modelId, warnings, temperature: fields.temperature });
  } finally {
    await claim.release();
  }
}

async function englishTranscript(context: ServerContext, audioPath: string, options: EngineOptions): Promise<{ transcript: Transcript; warnings: readonly string[] }> {
  const { engine } = context;
  if (engine.family.supportsAudioTranslation) {
    const result = await engine.transcribe(audioPath, options);
    return { transcript: result, warnings: result.warnings };
  }
  const result = await engine.transcribeAndTranslate(audioPath, options);
  const { translation } = result;
  return {
    transcript: { text: translation.text, language: translation.language, durationSeconds: result.durationSeconds, segments: translation.segments, task: "translate" },
    warnings: result.warnings,
  };
}
