/**
 * Row `decode`: ms per token at context 512 through the real `decodeTokens`
 * KV-cached loop (greedy, no stop ids), with the decoder upcast to float32 or
 * read from its INT8/INT4 copy quantized beforehand (so the peak RSS is what a
 * quantized model holds, not the float weights it was made from). The cache starts pre-filled with 512 random positions; the
 * time is taken between the first and the last token the loop yields. Also the
 * bytes a step reads (for the roofline), the memory it should need, and the
 * graph-build/eval split.
 */
import { mx } from "../../../src/engine/mlx";
import { KV_CACHE_STEP } from "../../../src/nn/kv-cache";
import { decodeTokens } from "../../../src/pipeline/generate";
import { GREEDY } from "../../../src/pipeline/sampling";
import type { Qwen3Decoder } from "../../../src/models/qwen3-decoder";
import { writeDecoderCheck } from "../cross-check";
import { measureDecodeSplit } from "../decode-split";
import { loadDecoder } from "../load";
import { log, measure, peakRssBytes, statsOf } from "../measure";
import type { DecoderId, WeightKind } from "../models";
import { withPrefilledCache } from "../prefilled-cache";
import { decodeBytesPerToken, kvCacheBytes, residentWeightBytes } from "../roofline";
import { DECODE_CONTEXT, type RowResult, type RunSettings } from "../tasks";

/** Enough tokens for the warm-up to touch every weight a few times. */
const WARM_UP_TOKENS = 3;
const SPLIT_STEPS = 6;
const FIRST_TOKEN = 1000;

/** CPU milliseconds (user + system, every thread of the process) per token of each timed run, in run order. */
const cpuPerToken: number[] = [];

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Milliseconds per token over `tokens` decode steps after the first token (`releaseEvery`: the loop's default unless given). */
async function timeDecode(decoder: Qwen3Decoder, tokens: number, releaseEvery?: number): Promise<number> {
  const first = decoder.embed(mx.array([[FIRST_TOKEN % decoder.vocabSize]], mx.int32));
  const stamps: number[] = [];
  let cpuStart = 0;
  const options = { maxTokens: tokens + 1, stopIds: new Set<number>(), sampling: GREEDY, releaseEvery };
  for await (const _ of decodeTokens(decoder, first, options)) {
    stamps.push(performance.now());
    if (stamps.length === 1) cpuStart = cpuMs();
  }
  if (stamps.length !== tokens + 1) throw new Error(`decodeTokens yielded ${stamps.length} tokens, expected ${tokens + 1}`);
  cpuPerToken.push((cpuMs() - cpuStart) / tokens);
  return (stamps[tokens]! - stamps[0]!) / tokens;
}

export async function decodeRow(id: DecoderId, kind: WeightKind, tokens: number, settings: RunSettings): Promise<RowResult> {
  const t0 = performance.now();
  const decoder = await loadDecoder(settings.weightsDir, id, kind);
  log(`loaded ${id} ${kind} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  if (kind === "float32") writeDecoderCheck(settings.checkDir, id, decoder);
  const view = withPrefilledCache(decoder, DECODE_CONTEXT);
  const stats = await measure(
    settings.runs,
    () => timeDecode(view, WARM_UP_TOKENS),
    () => timeDecode(view, tokens),
  );
  const peakRss = peakRssBytes();
  const cpuSamples = cpuPerToken.slice(1);
  // The same loop releasing memory after every step: shows what uncollected arrays cost per step.
  const releaseEveryStep = await timeDecode(view, tokens, 1);
  const split = await measureDecodeSplit(decoder, DECODE_CONTEXT, SPLIT_STEPS, FIRST_TOKEN % decoder.vocabSize);
  const c = decoder.config;
  // The step producing token i+1 attends to DECODE_CONTEXT + 2 + i keys (the first token comes from position 512).
  const meanKeys = DECODE_CONTEXT + 2 + (tokens - 1) / 2;
  const bytes = decodeBytesPerToken(c, kind, meanKeys);
  const finalPositions = DECODE_CONTEXT + 1 + tokens;
  const kvBytes = kvCacheBytes(c, Math.ceil(finalPositions / KV_CACHE_STEP) * KV_CACHE_STEP);
  const weightBytes = residentWeightBytes(c, kind);
  return {
    name: "decode",
    model: id,
    weights: kind,
    context: DECODE_CONTEXT,
    tokens,
    ms_per_token_median: stats.median,
    ms_per_token_min: stats.min,
    samples: stats.samples,
    tokens_per_s: 1000 / stats.median,
    cpu_ms_per_token_median: statsOf(cpuSamples).median,
    cpu_ms_per_token_samples: cpuSamples,
    ms_per_token_release_every_step: releaseEveryStep,
    bytes_per_token: bytes.total,
    weight_bytes_per_token: bytes.weights,
    kv_bytes_per_token: bytes.kvCache,
    resident_weight_bytes: weightBytes,
    kv_cache_bytes: kvBytes,
    peak_rss_bytes: peakRss,
    rss_ratio: peakRss / (weightBytes + kvBytes),
    split,
    runs: stats.samples.length,
  };
}
