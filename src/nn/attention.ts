/** Multi-head attention pieces shared by the encoders, adaptors and decoder. */
import { mx, type Tensor } from "../engine/mlx";

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

/** Scaled dot-product attention; GQA when k/v have fewer heads than q. */
export function attend(q: Tensor, k: Tensor, v: Tensor, scale: number, mask?: Tensor): Tensor {
  return mask === undefined
    ? mx.fast.scaledDotProductAttention(q, k, v, scale)
    : mx.fast.scaledDotProductAttention(q, k, v, scale, mask);
}
