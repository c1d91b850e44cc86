/**
 * Per-op profile of one decode step (`--profile`), in its own process: the
 * decoder's real weights arranged as it runs them (see profile-weights.ts),
 * grouped by op, each group timed as one evaluation over all layers — the
 * fused q/k/v and gate/up matvecs, o and down, the tied LM head, attention over
 * a KV cache at the row's context (read through the cache's own slices), the
 * cache update, and the norms/RoPE/element-wise ops — plus the fixed cost of one
 * `mx.eval`. The sum against the measured step says how much is the ops
 * themselves. The unfused projections are timed too, for comparison.
 */
import { mx, type Tensor } from "../../../src/engine/mlx";
import { headDim } from "../../../src/models/qwen3-decoder";
import { silu } from "../../../src/nn/activations";
import { attend } from "../../../src/nn/attention";
import { KVCache } from "../../../src/nn/kv-cache";
import type { Projection } from "../../../src/nn/linear";
import { releaseMemory } from "../../../src/runtime";
import { log, peakRssBytes } from "../measure";
import { benchModels, componentDir, quantizeBitsOf, type DecoderId, type WeightKind } from "../models";
import { loadProfileWeights, tensorsOf } from "../profile-weights";
import { DECODE_CONTEXT, type RowResult, type RunSettings } from "../tasks";

const TRIALS = 3;

interface OpTiming {
  readonly ms: number;
  readonly bytes?: number;
  readonly gb_s?: number;
}

function bestMs(build: () => Tensor[], trials = TRIALS): number {
  mx.eval(...build());
  let best = Infinity;
  for (let i = 0; i < trials; i++) {
    const outputs = build();
    const t0 = performance.now();
    mx.eval(...outputs);
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

function bytesOf(o: object): number {
  return tensorsOf(o).reduce((s, t) => s + (t.nbytes ?? t.size * t.itemsize), 0);
}

function withBandwidth(ms: number, bytes: number): OpTiming {
  return { ms, bytes, gb_s: bytes / (ms / 1000) / 1e9 };
}

export async function decodeProfileRow(id: DecoderId, kind: WeightKind, tokens: number, settings: RunSettings): Promise<RowResult> {
  const c = benchModels(settings.small).decoders[id];
  const bits = quantizeBitsOf(kind);
  const { stepOps, parts, head } = await loadProfileWeights(componentDir(settings.weightsDir, id), c, bits);
  log(`profile: weights of ${id} ${kind} ready`);

  const ops: Record<string, OpTiming> = {};
  const unfused: Record<string, OpTiming> = {};
  const key = mx.random.key(41);
  const timeProjections = (layers: Projection[]): OpTiming => {
    const x = mx.random.normal([1, 1, layers[0]!.inFeatures], mx.float32, 0, 1, key);
    return withBandwidth(bestMs(() => layers.map((l) => l.forward(x))), layers.reduce((s, l) => s + bytesOf(l), 0));
  };
  for (const [op, layers] of stepOps) ops[op] = timeProjections(layers);
  for (const [op, layers] of parts) unfused[op] = timeProjections(layers);
  const hidden = mx.random.normal([1, 1, c.hidden_size], mx.float32, 0, 1, key);
  ops.lm_head = withBandwidth(bestMs(() => [head.asLinear(hidden)]), bytesOf(head));
  ops.embedding_lookup = { ms: bestMs(() => [head.lookup(mx.array([[7]], mx.int32))]) };

  const hd = headDim(c);
  const keys = DECODE_CONTEXT + 2 + Math.floor((tokens - 1) / 2);
  const caches = Array.from({ length: c.num_hidden_layers }, () => new KVCache());
  const filled = caches.flatMap((cache) => cache.update(mx.random.normal([1, c.num_key_value_heads, keys - 1, hd]), mx.random.normal([1, c.num_key_value_heads, keys - 1, hd])));
  mx.eval(...filled);
  const step = () => mx.random.normal([1, c.num_key_value_heads, 1, hd]);
  const q = mx.random.normal([1, c.num_attention_heads, 1, hd]);
  // The cache update with the previous step's key/value views still alive (as between the loop's
  // releaseMemory() calls), then attention over the slices it returns (as in a layer's forward).
  let views: Tensor[][] = [];
  const update = () => {
    for (const cache of caches) cache.offset = keys - 1;
    views = caches.map((cache) => cache.update(step(), step()));
    return views.flat();
  };
  ops.kv_cache_update = { ms: bestMs(update) };
  ops.attention = withBandwidth(
    bestMs(() => views.map(([k, v]) => attend(q, k!, v!, hd ** -0.5))),
    c.num_hidden_layers * 2 * c.num_key_value_heads * keys * hd * 4,
  );
  // The same update once the previous views are collected (not counted in the sum).
  let updateAfterRelease = Infinity;
  for (let i = 0; i < TRIALS; i++) {
    views = [];
    await releaseMemory();
    for (const cache of caches) cache.offset = keys - 1;
    const t0 = performance.now();
    mx.eval(...caches.flatMap((cache) => cache.update(step(), step())));
    updateAfterRelease = Math.min(updateAfterRelease, performance.now() - t0);
  }

  const ones = (n: number) => mx.ones([n], mx.float32);
  const normW = ones(c.hidden_size);
  const headNormW = ones(hd);
  const h = mx.random.normal([1, 1, c.hidden_size]);
  const qh = mx.random.normal([1, 1, c.num_attention_heads, hd]);
  const kh = mx.random.normal([1, 1, c.num_key_value_heads, hd]);
  const gate = mx.random.normal([1, 1, c.intermediate_size]);
  const eps = c.rms_norm_eps;
  ops.norms_rope_elementwise = {
    ms: bestMs(() =>
      Array.from({ length: c.num_hidden_layers }, () => {
        const x = mx.fast.rmsNorm(h, normW, eps);
        const qn = mx.fast.rope(mx.fast.rmsNorm(qh, headNormW, eps).transpose(0, 2, 1, 3), hd, false, c.rope_theta, 1, keys);
        const kn = mx.fast.rope(mx.fast.rmsNorm(kh, headNormW, eps).transpose(0, 2, 1, 3), hd, false, c.rope_theta, 1, keys);
        const h2 = mx.add(h, x);
        const y = mx.fast.rmsNorm(h2, normW, eps);
        return [qn, kn, mx.add(h2, y), mx.multiply(silu(gate), gate)];
      }).flat(),
    ),
  };
  const tiny = mx.array([1], mx.float32);
  ops.eval_fixed_cost = { ms: bestMs(() => [mx.add(tiny, 1)], 20) };

  const sum = Object.values(ops).reduce((s, o) => s + o.ms, 0);
  return {
    name: "decode_profile",
    model: id,
    weights: kind,
    context: DECODE_CONTEXT,
    ops,
    ops_sum_ms: sum,
    unfused_projections: unfused,
    kv_cache_update_views_released_ms: updateAfterRelease,
    peak_rss_bytes: peakRssBytes(),
  };
}
