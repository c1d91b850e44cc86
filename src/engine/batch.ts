/**
 * Right-padded batches: a list of sequences (time on axis 0) ⇄ one tensor with
 * a leading batch axis plus the valid length of each row.
 */
import { mx, type Tensor } from "./mlx";

export interface PaddedBatch {
  /** `[B, Tmax, ...]`, zero beyond each row's length. */
  readonly data: Tensor;
  readonly lengths: number[];
}

export function padBatch(items: Tensor[]): PaddedBatch {
  const lengths = items.map((t) => t.shape[0]!);
  const longest = Math.max(...lengths);
  const padded = items.map((t, i) => {
    const missing = longest - lengths[i]!;
    if (missing === 0) return t;
    const widths: [number, number][] = t.shape.map((_, axis) => (axis === 0 ? [0, missing] : [0, 0]));
    return mx.pad(t, widths);
  });
  return { data: mx.stack(padded, 0), lengths };
}

export function unpadBatch(batch: PaddedBatch): Tensor[] {
  return batch.lengths.map((length, i) => batch.data.index(i, mx.Slice(0, length)));
}

/** `[B, T]` float mask: 1 for valid positions, 0 for padding. */
export function lengthMask(lengths: number[], maxLength: number): Tensor {
  const positions = mx.arange(maxLength, mx.int32).reshape([1, maxLength]);
  const limits = mx.array(lengths, mx.int32).reshape([lengths.length, 1]);
  return mx.less(positions, limits).astype(mx.float32);
}
