/**
 * One decoding pass of a live session: the family's audio prompt with the audio
 * rows, followed by the start of the answer (the text committed so far), then
 * greedy generation of at most `maxTokens`. The repetition guard sees the start of
 * the answer too, so a loop that began before this pass is stopped at once; it never
 * takes back a token of the given start.
 */
import { mx, type Tensor } from "../../engine/mlx";
import type { AudioPromptRequest } from "../../families/family";
import { decodeTokens } from "../generate";
import { injectAudio } from "../injection";
import { assemblePrompt } from "../prompt";
import { RepetitionGuard } from "../text";
import type { TextModel } from "../text-model";
import type { PromptPrefixCache } from "./prompt-prefix-cache";

export interface ContinuationRequest {
  readonly rows: Tensor;
  /** The completed encoder windows `rows` starts with (the same tensors pass after pass). */
  readonly completedWindows?: readonly Tensor[];
  /** Where the prompt's start is kept between passes. */
  readonly prefixCache?: PromptPrefixCache;
  /** The start of the answer written into the prompt. */
  readonly answerStart: readonly number[];
  /** Answer tokens the repetition guard reads before the new ones (`answerStart` or more of the answer before it). */
  readonly history: readonly number[];
  readonly maxTokens: number;
  readonly signal?: AbortSignal;
}

export interface Continuation {
  /** New tokens, after the repetition guard. */
  readonly tokens: number[];
  readonly stop: "stop_token" | "max_tokens" | "repetition";
  readonly prefillMs: number;
  readonly decodeMs: number;
  readonly promptPositions: number;
  /** Prompt positions kept from the pass before (not prefilled again). */
  readonly reusedPositions: number;
}

export async function continueAnswer(text: TextModel, prompt: AudioPromptRequest, request: ContinuationRequest): Promise<Continuation> {
  const { rows } = request;
  const assembled = assemblePrompt(text.tokenizer, text.recipe.prompts.audio(prompt), rows.shape[0]!, text.audioPlaceholderId);
  const ids = [...assembled.ids, ...request.answerStart];
  const embeds = assembled.audio ? injectAudio(text.llm, ids, assembled.audio, rows) : text.llm.embed(mx.array([ids], mx.int32));
  const lead = assembled.audio ? { ids: ids.slice(0, assembled.audio.start), windows: request.completedWindows ?? [] } : null;
  const prefix = lead && request.prefixCache ? request.prefixCache.take(text.llm, lead, ids.length) : null;
  const input = prefix ? embeds.index(mx.Slice(), mx.Slice(prefix.reused)) : embeds;
  const guarding = text.recipe.generation.repetitionGuard;
  const guard = new RepetitionGuard();
  for (const id of request.history) guard.push(id);
  const before = request.history.length;

  const started = performance.now();
  let firstAt = started;
  const tokens: number[] = [];
  let stop: Continuation["stop"] = "stop_token";
  for await (const id of decodeTokens(text.llm, input, { maxTokens: request.maxTokens, stopIds: text.stopIds, sampling: text.recipe.generation.sampling, signal: request.signal, cache: prefix?.cache })) {
    if (tokens.length === 0) firstAt = performance.now();
    tokens.push(id);
    const verdict = guard.push(id);
    if (guarding && verdict.repeated) {
      tokens.length = Math.max(0, verdict.keep - before);
      stop = "repetition";
      break;
    }
  }
  if (stop !== "repetition" && tokens.length >= request.maxTokens) stop = "max_tokens";
  if (prefix && lead) request.prefixCache!.keep(prefix.cache, lead);
  const ended = performance.now();
  return {
    tokens,
    stop,
    prefillMs: (tokens.length ? firstAt : ended) - started,
    decodeMs: tokens.length ? ended - firstAt : 0,
    promptPositions: ids.length,
    reusedPositions: prefix?.reused ?? 0,
  };
}
