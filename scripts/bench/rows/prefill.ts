/**
 * Row `prefill`: 512 positions of input embeddings through the float32 decoder
 * (fresh KV cache, last-position logits), in tokens/s; the FLOPs are reported so
 * the parent can relate the rate to the measured GEMM rate.
 */
import { mx } from "../../../src/engine/mlx";
import { KV_CACHE_STEP } from "../../../src/nn/kv-cache";
import { writeDecoderCheck } from "../cross-check";
import { loadDecoder } from "../load";
import { measure, peakRssBytes } from "../measure";
import type { DecoderId } from "../models";
import { kvCacheBytes, prefillFlops, residentWeightBytes } from "../roofline";
import { PREFILL_POSITIONS, type RowResult, type RunSettings } from "../tasks";

export async function prefillRow(id: DecoderId, settings: RunSettings): Promise<RowResult> {
  const decoder = await loadDecoder(settings.weightsDir, id, "float32");
  writeDecoderCheck(settings.checkDir, id, decoder);
  const h = decoder.hiddenSize;
  const embeds = mx.multiply(mx.random.normal([1, PREFILL_POSITIONS, h], mx.float32, 0, 1, mx.random.key(31)), 1 / Math.sqrt(h));
  mx.eval(embeds);
  const once = () => {
    const t0 = performance.now();
    mx.eval(decoder.forward(embeds, decoder.newCache()));
    return (performance.now() - t0) / 1000;
  };
  const stats = await measure(settings.runs, once, once);
  const peakRss = peakRssBytes();
  const weightBytes = residentWeightBytes(decoder.config, "float32");
  const kvBytes = kvCacheBytes(decoder.config, Math.ceil(PREFILL_POSITIONS / KV_CACHE_STEP) * KV_CACHE_STEP);
  return {
    name: "prefill",
    model: id,
    weights: "float32",
    positions: PREFILL_POSITIONS,
    median_s: stats.median,
    min_s: stats.min,
    samples: stats.samples,
    tokens_per_s: PREFILL_POSITIONS / stats.median,
    flops: prefillFlops(decoder.config, PREFILL_POSITIONS),
    resident_weight_bytes: weightBytes,
    kv_cache_bytes: kvBytes,
    peak_rss_bytes: peakRss,
    rss_ratio: peakRss / (weightBytes + kvBytes),
    runs: stats.samples.length,
  };
}
