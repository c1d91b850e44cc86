/**
 * Multi-head attention: the head split/merge, masks (padded keys, causal), GQA,
 * and a self-attention module with separate q/k/v/out projections.
 */
import { compilationEnabled } from "../engine/compilation";
import { backend } from "../engine/device";
import { mx, type Tensor } from "../engine/mlx";
import type { Projection } from "./linear";
import { callCompiled, ParamCursor, paramsOf, signatureOf, type Module } from "./module";

/** `[B, T, H·D]` → `[B, H, T, D]`. */
export function splitHeads(x: Tensor, heads: number): Tensor {
  const [b, t, width] = x.shape as [number, number, number];
  return x.reshape([b, t, heads, width / heads]).transpose(0, 2, 1, 3);
}

/** `[B, H, T, D]` → `[B, T, H·D]`. */
export function mergeHeads(x: Tensor): Tensor {
  const [b, h, t, d] = x.shape as [number, number, number, number];
  return x.transpose(0, 2, 1, 3).reshape([b, t, h * d]);
}

/**
 * Additive mask `[B, 1, 1, T]` for padded keys: 0 where a key is valid, −∞ beyond
 * each row's length (upstream sets those scores to −∞ and their weights to 0,
 * which is the same thing). Undefined when nothing is padded.
 */
export function keyPaddingMask(lengths: readonly number[] | null, maxLength: number): Tensor | undefined {
  if (!lengths || lengths.every((l) => l === maxLength)) return undefined;
  const positions = mx.arange(maxLength, mx.int32).reshape([1, 1, 1, maxLength]);
  const limits = mx.array([...lengths], mx.int32).reshape([lengths.length, 1, 1, 1]);
  return mx.where(mx.less(positions, limits), 0, -Infinity);
}

/** `[B, T, 1]` multiplicative mask: 1 for valid frames, 0 for padding. */
export function frameMask(lengths: readonly number[] | null, maxLength: number): Tensor | undefined {
  if (!lengths || lengths.every((l) => l === maxLength)) return undefined;
  const positions = mx.arange(maxLength, mx.int32).reshape([1, maxLength, 1]);
  const limits = mx.array([...lengths], mx.int32).reshape([lengths.length, 1, 1]);
  return mx.less(positions, limits).astype(mx.float32);
}

/**
 * Additive causal mask `[L, span]`: query i (at position offset + i) sees keys
 * j ≤ offset + i; keys beyond offset + L (unused cache capacity) are masked too.
 */
export function causalMask(length: number, offset: number, dtype = mx.float32, span = offset + length): Tensor {
  const rows = mx.arange(offset, offset + length, 1, mx.int32).reshape([length, 1]);
  const cols = mx.arange(0, span, 1, mx.int32).reshape([1, span]);
  return mx.where(mx.greaterEqual(rows, cols), 0, -Infinity).astype(dtype);
}

/**
 * Additive block-diagonal mask `[T, T]`: positions attend only inside their block
 * (blocks of `size` from position 0, the last one shorter).
 */
export function blockDiagonalMask(length: number, size: number): Tensor | undefined {
  if (length <= size) return undefined;
  const block = mx.floorDivide(mx.arange(length, mx.int32), size);
  return mx.where(mx.equal(block.reshape([length, 1]), block.reshape([1, length])), 0, -Infinity);
}

/**
 * Additive block-diagonal mask `[T, T]` over consecutive blocks of the given sizes
 * (T their sum): a position attends only inside its own block. Sequences packed end
 * to end, each cut into its own windows, attend as if each were alone (the
 * `cu_seqlens` of variable-length attention). Undefined for a single block.
 */
export function segmentedMask(sizes: readonly number[]): Tensor | undefined {
  if (sizes.length <= 1) return undefined;
  const length = sizes.reduce((a, b) => a + b, 0);
  const ends: number[] = [];
  for (const size of sizes.slice(0, -1)) ends.push((ends.at(-1) ?? 0) + size);
  const positions = mx.arange(length, mx.int32).reshape([length, 1]);
  const block = mx.sum(mx.greaterEqual(positions, mx.array(ends, mx.int32).reshape([1, ends.length])).astype(mx.int32), 1);
  return mx.where(mx.equal(block.reshape([length, 1]), block.reshape([1, length])), 0, -Infinity);
}

/** Scaled dot-product attention of `[B, H, T, D]` heads; GQA when k/v have fewer heads than q. */
export function attend(q: Tensor, k: Tensor, v: Tensor, scale: number, mask?: Tensor): Tensor {
  if (backend() === "cpu" && compilationEnabled() && q.shape[2]! > 1 && (mask === undefined || mask.ndim <= 2 || mask.shape[1] === 1)) {
    // Compiled, so that its score-sized intermediates are freed as it runs, not when JS collects them.
    const module = { params: [], signature: `written-out-attention(${scale})` };
    return callCompiled(module, mask ? [q, k, v, mask] : [q, k, v], ([qs, ks, vs, m]) => [composedAttention(qs!, ks!, vs!, scale, m)])[0]!;
  }
  return mask === undefined
    ? mx.fast.scaledDotProductAttention(q, k, v, scale)
    : mx.fast.scaledDotProductAttention(q, k, v, scale, mask);
}

/**
 * Attention written out for the CPU: the engine's CPU softmax calls the C
 * library's exp one element at a time (a tenth of a Qwen3-0.6B prefill), where a
 * softmax of plain operations fuses inside compiled functions into kernels built
 * for the machine (a 405-position Qwen3-0.6B prefill: 2.44 → 2.14–2.26 s). Queries
 * sharing a key head are stacked as rows of one product. `mask` is `[L, S]` or has
 * one head (`[B, 1, L|1, S]`). A single query (a decode step) keeps the engine's
 * attention: written out, a step over 512 cached positions took 186 instead of 94 ms.
 * Without compilation the engine's attention serves: eager, the written-out one
 * would hold every intermediate until JS collects it.
 */
function composedAttention(q: Tensor, k: Tensor, v: Tensor, scale: number, mask?: Tensor): Tensor {
  const [b, heads, length, depth] = q.shape as [number, number, number, number];
  const kvHeads = k.shape[1]!;
  const span = k.shape[2]!;
  const group = heads / kvHeads;
  const queries = mx.multiply(q, scale).reshape([b, kvHeads, group * length, depth]);
  let scores = mx.matmul(queries, k.transpose(0, 1, 3, 2)).reshape([b, kvHeads, group, length, span]);
  if (mask) scores = mx.add(scores, mask.ndim <= 2 ? mask : mask.reshape([mask.shape[0]!, 1, 1, mask.shape[2]!, span]));
  const shifted = mx.exp(mx.subtract(scores, mx.max(scores, -1, true)));
  const weights = mx.divide(shifted, mx.sum(shifted, -1, true)).reshape([b, kvHeads, group * length, span]);
  return mx.matmul(weights, v).reshape([b, heads, length, v.shape[3]!]);
}

/** Hooks between the projections and the scores (RoPE, per-head norms), on `[B, H, T, D]` heads. */
export interface HeadTransform {
  (q: Tensor, k: Tensor): [Tensor, Tensor];
}

/**
 * Attention of already projected `q [B, T, Hq·D]`, `k`, `v [B, T, Hkv·D]`, scaled by
 * D^−0.5 → context `[B, T, Hq·D]`. The head width comes from the traced shapes, so
 * modules of other widths can share one compiled function.
 */
export function multiHeadAttention(q: Tensor, k: Tensor, v: Tensor, heads: number, kvHeads: number, mask?: Tensor, transform?: HeadTransform): Tensor {
  let qh = splitHeads(q, heads);
  let kh = splitHeads(k, kvHeads);
  if (transform) [qh, kh] = transform(qh, kh);
  const scale = qh.shape[3]! ** -0.5;
  return mergeHeads(attend(qh, kh, splitHeads(v, kvHeads), scale, mask));
}

/** Self-attention with separate q, k, v and output projections (biases as the checkpoint has them). */
export class SelfAttention implements Module {
  readonly params: readonly Tensor[];
  readonly signature: string;

  constructor(
    private readonly q: Projection,
    private readonly k: Projection,
    private readonly v: Projection,
    private readonly out: Projection,
    private readonly heads: number,
    private readonly kvHeads: number = heads,
    /** Named in the signature when a transform is given: what it does must not vary between instances of one name. */
    private readonly transform?: { readonly name: string; readonly apply: HeadTransform },
  ) {
    this.params = paramsOf(q, k, v, out);
    this.signature = signatureOf("self-attention", q, k, v, out, heads, kvHeads, transform?.name ?? "none");
  }

  /** `x [B, T, W]` → `[B, T, W]`, reading the projections from `p`; `mask` is additive. */
  call(x: Tensor, p: ParamCursor, mask?: Tensor): Tensor {
    const q = this.q.call(x, p);
    const k = this.k.call(x, p);
    const v = this.v.call(x, p);
    return this.out.call(multiHeadAttention(q, k, v, this.heads, this.kvHeads, mask, this.transform?.apply), p);
  }
}
