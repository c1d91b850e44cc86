/**
 * The LLM-prompted recognizer: features → audio encoder → adaptor rows, written
 * over the audio slots of the family's prompt, then KV-cached generation and the
 * family's reading of the output.
 */
import type { FeatureExtractor } from "../../audio/features/feature-extractor";
import { mx, type Tensor } from "../../engine/mlx";
import { CancelledError, ModelFileError } from "../../errors";
import { yieldToEventLoop } from "../../runtime";
import type { LlmPromptedRecipe, LocatedModel } from "../../families/family";
import type { AudioAdaptor, AudioEncoder } from "../../nn/parts";
import type { ModelParts } from "../model-parts";
import { assemblePrompt } from "../prompt";
import { generateText } from "../text-generation";
import type { TextModel } from "../text-model";
import type { RecognitionRequest, RecognizedPiece, Recognizer } from "./recognizer";
import { TextAfterMarker } from "./text-after-marker";
import { expectFiniteOutput } from "../weights-health";

export interface AudioEmbeddingTimings {
  frontendMs: number;
  encoderMs: number;
}

export class LlmPromptedRecognizer implements Recognizer {
  constructor(
    readonly features: FeatureExtractor,
    readonly encoder: AudioEncoder,
    readonly adaptor: AudioAdaptor,
    readonly text: TextModel,
    readonly recipe: LlmPromptedRecipe,
    /** The model's files, named when a part turns out to hold corrupt weights. */
    readonly files: LocatedModel,
  ) {}

  static async load(parts: ModelParts, text: TextModel, recipe: LlmPromptedRecipe): Promise<LlmPromptedRecognizer> {
    const encoder = await parts.network<AudioEncoder>("encoder");
    const adaptor = await parts.network<AudioAdaptor>("adaptor");
    if (adaptor.outputDim !== text.llm.hiddenSize) {
      throw new ModelFileError("MODEL_MISMATCH", parts.files.root, `the adaptor outputs ${adaptor.outputDim}-wide rows but the decoder is ${text.llm.hiddenSize} wide`);
    }
    return new LlmPromptedRecognizer(parts.features(), encoder, adaptor, text, recipe, parts.files);
  }

  /** `samples [S]` → the rows the LLM receives, `[N, H]`, evaluated. */
  embed(samples: Tensor, source: string, timings?: AudioEmbeddingTimings): Tensor {
    const t0 = performance.now();
    const { features, lengths } = this.features.extract([samples], [source]);
    const t1 = performance.now();
    const encoded = this.encoder.encode(features, lengths);
    const adapted = this.adaptor.adapt(encoded.frames, encoded.lengths);
    const rows = adapted.frames.index(0, mx.Slice(0, adapted.lengths[0]!));
    mx.eval(encoded.frames, rows);
    expectFiniteOutput(this.files, "encoder", encoded.frames);
    expectFiniteOutput(this.files, "adaptor", rows);
    if (timings) {
      timings.frontendMs += t1 - t0;
      timings.encoderMs += performance.now() - t1;
    }
    return rows;
  }

  async recognize(samples: Tensor, source: string, request: RecognitionRequest): Promise<RecognizedPiece> {
    const audioTimings: AudioEmbeddingTimings = { frontendMs: 0, encoderMs: 0 };
    const rows = this.embed(samples, source, audioTimings);
    // The encoder blocks the thread: let a cancellation that came meanwhile be seen before decoding.
    await yieldToEventLoop();
    if (request.signal?.aborted) throw new CancelledError("CANCELLED", source, "transcription cancelled");
    const { tokenizer, audioPlaceholderId } = this.text;
    const prompt = assemblePrompt(tokenizer, this.recipe.prompts.audio(request), rows.shape[0]!, audioPlaceholderId);
    const generation = this.recipe.generation;
    const onText = request.onText;
    const streamed = onText ? new TextAfterMarker(this.recipe.streamAfter?.(request) ?? null, onText) : null;
    const out = await generateText(this.text, {
      prompt,
      audio: rows,
      maxTokens: generation.maxAudioTokens(request.durationSeconds, request.task),
      sampling: { ...generation.sampling, ...request.sampling },
      repetitionGuard: generation.repetitionGuard,
      signal: request.signal,
      onText: streamed ? (piece) => streamed.push(piece) : undefined,
    });
    const parsed = this.recipe.parseOutput?.(out.text, request) ?? { text: out.text, language: null };
    streamed?.finish(parsed.text);
    return {
      text: parsed.text,
      tokens: out.tokens,
      language: parsed.language,
      ...(out.avgLogprob !== undefined && { avgLogprob: out.avgLogprob }),
      ...(out.noSpeechProb !== undefined && { noSpeechProb: out.noSpeechProb }),
      stop: out.stop,
      timings: { ...audioTimings, prefillMs: out.prefillMs, decodeMs: out.decodeMs },
    };
  }
}
