/** POST /v1/audio/transcriptions: speech → text in its language, whole or streamed as SSE. */
import type { ServerContext } from "./context";
import { claimEngine, onEngine, streamOnEngine, type EngineClaim } from "./engine-claim";
import { engineRequest } from "./engine-options";
import { sseResponse } from "./sse";
import { transcriptEvents } from "./transcript-events";
import { responseHeaders, transcriptResponse } from "./transcript-responses";

export async function handleTranscription(request: Request, context: ServerContext): Promise<Response> {
  const claim = await claimEngine(request, context);
  let claimHandedToStream = false;
  try {
    const { fields, upload } = claim;
    if (fields.stream) {
      const response = await streamedTranscription(request, context, claim);
      claimHandedToStream = true;
      return response;
    }
    const prepared = engineRequest(fields, context.engine.family, "transcribe", request.signal);
    const result = await onEngine(claim, request.signal, () => context.engine.transcribe(upload.path, prepared.options));
    const warnings = [...prepared.warnings, ...result.warnings];
    return transcriptResponse(result, fields.responseFormat, { modelId: context.modelId, warnings, temperature: fields.temperature, words: fields.wordTimestamps });
  } finally {
    if (!claimHandedToStream) await claim.release();
  }
}

/**
 * Answers only once the first event exists, so that failures before any text
 * (bad audio, a cancelled wait) still get their HTTP status instead of a 200 stream.
 */
async function streamedTranscription(request: Request, context: ServerContext, claim: EngineClaim): Promise<Response> {
  const stop = new AbortController();
  const signal = AbortSignal.any([request.signal, stop.signal]);
  const prepared = engineRequest(claim.fields, context.engine.family, "transcribe", signal);
  const events = streamOnEngine(claim, signal, () => transcriptEvents(context.engine, claim.upload.path, prepared.options));
  const first = await events.next();
  return sseResponse(events, {
    first: first.done ? undefined : first.value,
    headers: responseHeaders({ modelId: context.modelId, warnings: prepared.warnings }),
    onCancel: () => stop.abort(),
  });
}
