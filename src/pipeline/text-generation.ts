/**
 * From a prompt (with or without audio) to text: KV-cached decoding with stop
 * ids, the repetition guard, and streaming of text pieces that never split a
 * UTF-8 character and never have to be taken back (tokens a later repeat could
 * still cut are held until they are settled).
 */
import type { Tensor } from "../engine/mlx";
import { decodeTokens } from "./generate";
import { injectAudio } from "./injection";
import type { TextModel } from "./text-model";
import type { AssembledPrompt } from "./prompt";
import type { SamplingOptions } from "./sampling";
import { RepetitionGuard } from "./text";
import { TokenConfidence } from "./token-confidence";
import { StreamingTextDecoder } from "./tokenizer";
import { mx } from "../engine/mlx";
import { corruptWeights } from "./weights-health";

export interface GenerationRequest {
  readonly prompt: AssembledPrompt;
  /** `[N, H]` frames for the prompt's audio span. */
  readonly audio?: Tensor;
  readonly maxTokens: number;
  readonly sampling: SamplingOptions;
  readonly repetitionGuard: boolean;
  readonly signal?: AbortSignal;
  /** Called with each settled text piece, as soon as it is known. */
  readonly onText?: (piece: string) => void;
}

export interface GenerationResult {
  /** The kept tokens (after the repetition guard). */
  readonly tokens: number[];
  /** Their text, exactly the concatenation of the pieces given to onText. */
  readonly text: string;
  /** Why generation ended. */
  readonly stop: "stop_token" | "max_tokens" | "repetition";
  readonly prefillMs: number;
  readonly decodeMs: number;
  /** Mean log-probability of the kept tokens (and the stop token); absent when no token was chosen. */
  readonly avgLogprob?: number;
  /** Probability that the first step ended the text at once; absent when no token was chosen. */
  readonly noSpeechProb?: number;
}

export async function generateText(model: TextModel, request: GenerationRequest): Promise<GenerationResult> {
  const { prompt } = request;
  const embeds =
    prompt.audio && request.audio
      ? injectAudio(model.llm, prompt.ids, prompt.audio, request.audio)
      : model.llm.embed(mx.array([prompt.ids], mx.int32));
  const guard = new RepetitionGuard();
  const text = new StreamingTextDecoder(model.tokenizer);
  const pieces: string[] = [];
  let shown = 0;
  const show = (upTo: number) => {
    let piece = "";
    for (; shown < upTo; shown++) piece += text.push(guard.tokens[shown]!);
    if (piece) {
      pieces.push(piece);
      request.onText?.(piece);
    }
  };

  const started = performance.now();
  let firstTokenAt = started;
  let kept = -1;
  let stop: GenerationResult["stop"] = "max_tokens";
  const confidence = new TokenConfidence(model.stopIds);
  const tokens = decodeTokens(model.llm, embeds, {
    confidence,
    maxTokens: request.maxTokens,
    stopIds: model.stopIds,
    sampling: request.sampling,
    signal: request.signal,
  });
  let count = 0;
  for await (const id of tokens) {
    if (count++ === 0) {
      firstTokenAt = performance.now();
      if (!confidence.firstStepFinite()) throw corruptWeights(model.files, "decoder");
    }
    const verdict = guard.push(id);
    if (request.repetitionGuard && verdict.repeated) {
      kept = verdict.keep;
      stop = "repetition";
      break;
    }
    show(guard.tokens.length - (request.repetitionGuard ? guard.unsettled : 0));
  }
  if (kept < 0) {
    kept = guard.tokens.length;
    if (count < request.maxTokens) stop = "stop_token";
  }
  show(kept);
  const tail = text.flush();
  if (tail) {
    pieces.push(tail);
    request.onText?.(tail);
  }
  const ended = performance.now();
  const scores = confidence.summary(kept, stop === "stop_token");
  if (scores && !Number.isFinite(scores.avgLogprob)) throw corruptWeights(model.files, "decoder");
  return {
    ...(scores && { avgLogprob: scores.avgLogprob, noSpeechProb: scores.noSpeechProb }),
    tokens: guard.tokens.slice(0, kept),
    text: pieces.join(""),
    stop,
    prefillMs: firstTokenAt - started,
    decodeMs: ended - firstTokenAt,
  };
}
