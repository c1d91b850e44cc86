/**
 * Where a decode step's time goes on the JS side: building the step's graph
 * (embedding lookup, all layers, LM head, argmax) versus `mx.eval` running it,
 * versus reading the token back; and what the loop's memory release costs per call
 * (`decodeTokens` calls it every 8 steps: 15 of 16 calls collect the young
 * generation, one the whole heap). Measured step by step without the overlap
 * `decodeTokens` gets from asyncEval.
 */
import { mx } from "../../src/engine/mlx";
import type { Qwen3Decoder } from "../../src/models/qwen3-decoder";
import { collectGarbage, collectYoungGarbage, FULL_COLLECTION_EVERY, yieldToEventLoop } from "../../src/runtime";
import { statsOf } from "./measure";
import { prefilledCache } from "./prefilled-cache";

export interface DecodeSplit {
  readonly graph_build_ms: number;
  readonly eval_ms: number;
  readonly readback_ms: number;
  /** Per call, over the loop's mix of young and full collections. */
  readonly release_memory_ms: number;
  readonly release_young_ms: number;
  readonly release_full_ms: number;
  readonly steps: number;
}

export async function measureDecodeSplit(decoder: Qwen3Decoder, context: number, steps: number, firstToken: number): Promise<DecodeSplit> {
  const cache = prefilledCache(decoder, context, 9);
  const build: number[] = [];
  const evaluate: number[] = [];
  const readback: number[] = [];
  let id = firstToken;
  for (let step = 0; step < steps; step++) {
    const t0 = performance.now();
    const logits = decoder.forward(decoder.embed(mx.array([[id]], mx.int32)), cache);
    const next = mx.argmax(logits.reshape([-1]), 0);
    const t1 = performance.now();
    mx.eval(next);
    const t2 = performance.now();
    id = Number(next.item());
    const t3 = performance.now();
    build.push(t1 - t0);
    evaluate.push(t2 - t1);
    readback.push(t3 - t2);
  }
  const timed = async (collect: () => void): Promise<number> => {
    const t0 = performance.now();
    collect();
    await yieldToEventLoop();
    return performance.now() - t0;
  };
  const young = await timed(collectYoungGarbage);
  const full = await timed(collectGarbage);
  return {
    graph_build_ms: statsOf(build).median,
    eval_ms: statsOf(evaluate).median,
    readback_ms: statsOf(readback).median,
    release_memory_ms: (young * (FULL_COLLECTION_EVERY - 1) + full) / FULL_COLLECTION_EVERY,
    release_young_ms: young,
    release_full_ms: full,
    steps,
  };
}
