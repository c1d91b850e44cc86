/**
 * The generation core: prefill once from input embeddings, then decode token by
 * token over the KV cache, as an async generator. Step n+1's graph is built and
 * queued (asyncEval) before step n's token is read back, so graph building in JS
 * overlaps the engine's work; memory is released every few steps (the engine only
 * frees arrays after GC plus an event-loop turn).
 */
import { CancelledError } from "../errors";
import { mx, type Tensor } from "../engine/mlx";
import { periodicMemoryRelease, yieldToEventLoop } from "../runtime";
import type { CausalLM, DecoderCache } from "../nn/parts";
import { Sampler, type SamplingOptions } from "./sampling";
import type { TokenConfidence } from "./token-confidence";

export interface DecodeOptions {
  readonly maxTokens: number;
  /** Ids that end generation (not yielded). */
  readonly stopIds: ReadonlySet<number>;
  readonly sampling: SamplingOptions;
  readonly signal?: AbortSignal;
  /** Release memory every this many steps. */
  readonly releaseEvery?: number;
  /** Scores every chosen token, evaluated with it (no extra read-back per step). */
  readonly confidence?: TokenConfidence;
  /** Continue this cache: the input embeddings follow the positions it holds (default: a new cache). */
  readonly cache?: DecoderCache;
}

const DEFAULT_RELEASE_EVERY = 8;

/** Yields generated token ids until a stop id, `maxTokens`, or the consumer stops iterating. */
export async function* decodeTokens(decoder: CausalLM, inputsEmbeds: Tensor, options: DecodeOptions): AsyncGenerator<number, void, undefined> {
  if (options.maxTokens <= 0) return;
  const cache = options.cache ?? decoder.newCache();
  const sampler = new Sampler(options.sampling, decoder.vocabSize);
  const releaseEvery = options.releaseEvery ?? DEFAULT_RELEASE_EVERY;
  const release = periodicMemoryRelease();
  /** Chooses from `logits [V]` and queues the choice (and its score) for evaluation. */
  const choose = (logits: Tensor): Tensor => {
    const token = sampler.sample(logits);
    mx.asyncEval(token, ...(options.confidence?.observe(logits, token) ?? []));
    return token;
  };
  const next = (token: Tensor): Tensor => {
    sampler.observe(token);
    return choose(decoder.forward(decoder.embed(token.reshape([1, 1])), cache).reshape([-1]));
  };

  let token = choose(decoder.forward(inputsEmbeds, cache).reshape([-1]));
  for (let step = 0; step < options.maxTokens; step++) {
    const following = step + 1 < options.maxTokens ? next(token) : null;
    await yieldToEventLoop();
    // Checked after the event loop has turned (a Ctrl-C handler runs there) and before waiting for the token.
    if (options.signal?.aborted) throw new CancelledError("CANCELLED", "generation", "cancelled by the caller");
    const id = Number(token.item());
    if (options.stopIds.has(id)) return;
    yield id;
    if (!following) return;
    token = following;
    if ((step + 1) % releaseEvery === 0) await release();
  }
}

export interface GreedyTrace {
  /** `[N, V]`: the logits each token was chosen from (row 0 = the prefill's last row). */
  readonly stepLogits: Tensor;
  readonly tokens: number[];
}

/**
 * Exactly `steps` greedy tokens over the KV cache, no stop ids, with the logits of
 * every step. With explicit prompt `positions` (`[L]` or `[axes, L]`), generated
 * tokens continue at the largest prompt position + 1 on every axis.
 */
export async function greedyTrace(decoder: CausalLM, inputsEmbeds: Tensor, steps: number, positions?: Tensor): Promise<GreedyTrace> {
  const cache = decoder.newCache();
  const rows: Tensor[] = [];
  const tokens: number[] = [];
  const release = periodicMemoryRelease();
  const next = positions ? Number(mx.max(positions).item()) + 1 : 0;
  const stepPositions = (k: number) => (positions ? mx.full(positions.ndim === 1 ? [1] : [positions.shape[0]!, 1], next + k, mx.int32) : undefined);
  let logits = decoder.forward(inputsEmbeds, cache, { positions }).reshape([-1]);
  for (let step = 0; step < steps; step++) {
    rows.push(logits);
    const id = Number(mx.argmax(logits, 0).item());
    tokens.push(id);
    if (step + 1 < steps) logits = decoder.forward(decoder.embed(mx.array([[id]], mx.int32)), cache, { positions: stepPositions(step) }).reshape([-1]);
    if ((step + 1) % DEFAULT_RELEASE_EVERY === 0) await release();
  }
  const stepLogits = rows.length ? mx.stack(rows, 0) : mx.zeros([0, decoder.vocabSize]);
  mx.eval(stepLogits);
  return { stepLogits, tokens };
}
