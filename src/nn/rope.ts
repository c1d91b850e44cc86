/**
 * Rotary position embeddings on `[B, H, L, D]` heads: over the whole head or its
 * first `dims` features (the rest pass through), rotate-half pairing (i, i + dims/2)
 * or interleaved (2i, 2i + 1); positions as an offset, as explicit ids `[L]`, or as
 * multimodal ids `[axes, L]` whose frequencies are split between the axes.
 */
import { mx, type Tensor } from "../engine/mlx";

export interface RopeSettings {
  /** Rotated features of each head (even; ≤ head dim). */
  readonly dims: number;
  readonly base: number;
  /** Interleaved pairs (2i, 2i + 1) instead of rotate-half. */
  readonly traditional?: boolean;
  /**
   * Multimodal RoPE: frequencies per position axis (temporal, height, width), in
   * frequency pairs; they sum to dims / 2.
   */
  readonly multimodalSections?: readonly number[];
  /** Qwen3-VL style: frequency j belongs to axis j mod 3 while that axis has frequencies left. */
  readonly multimodalInterleaved?: boolean;
}

export class Rope {
  constructor(readonly settings: RopeSettings) {}

  /** What the computation depends on, for compiled-function signatures. */
  get signature(): string {
    const s = this.settings;
    return `rope(${s.dims},${s.base},${s.traditional ? "t" : "h"})`;
  }

  /** Positions `offset .. offset + L − 1`. */
  apply(x: Tensor, offset: number): Tensor {
    const s = this.settings;
    return mx.fast.rope(x, s.dims, s.traditional ?? false, s.base, 1, offset);
  }

  /** Explicit positions: `[L]`, or `[axes, L]` for multimodal RoPE. */
  applyAt(x: Tensor, positions: Tensor): Tensor {
    const s = this.settings;
    const half = s.dims / 2;
    const inv = mx.power(s.base, mx.divide(mx.arange(0, s.dims, 2, mx.float32), -s.dims)).reshape([1, half]);
    const rows = positions.ndim === 1 ? positions.reshape([1, -1]) : positions;
    const length = rows.shape[1]!;
    let angles = mx.multiply(rows.astype(mx.float32).reshape([rows.shape[0]!, length, 1]), inv);
    angles = rows.shape[0]! > 1 ? this.selectAxes(angles) : angles.index(0);
    const cos = mx.cos(angles).astype(x.dtype).reshape([1, 1, length, half]);
    const sin = mx.sin(angles).astype(x.dtype).reshape([1, 1, length, half]);
    const rotated = x.index(mx.Slice(), mx.Slice(), mx.Slice(), mx.Slice(0, s.dims));
    let out: Tensor;
    if (s.traditional) {
      const pairs = rotated.reshape([...rotated.shape.slice(0, 3), half, 2]);
      const even = pairs.index(mx.Slice(), mx.Slice(), mx.Slice(), mx.Slice(), 0);
      const odd = pairs.index(mx.Slice(), mx.Slice(), mx.Slice(), mx.Slice(), 1);
      out = mx
        .stack([mx.subtract(mx.multiply(even, cos), mx.multiply(odd, sin)), mx.add(mx.multiply(even, sin), mx.multiply(odd, cos))], -1)
        .reshape(rotated.shape);
    } else {
      const [a, b] = mx.split(rotated, 2, -1) as [Tensor, Tensor];
      out = mx.concatenate([mx.subtract(mx.multiply(a, cos), mx.multiply(b, sin)), mx.add(mx.multiply(b, cos), mx.multiply(a, sin))], -1);
    }
    if (s.dims === x.shape[3]) return out;
    return mx.concatenate([out, x.index(mx.Slice(), mx.Slice(), mx.Slice(), mx.Slice(s.dims))], -1);
  }

  /** `[axes, L, half]` angles → `[L, half]`, each frequency taken from its axis. */
  private selectAxes(angles: Tensor): Tensor {
    const s = this.settings;
    const half = s.dims / 2;
    const axisOf = multimodalAxes(half, s.multimodalSections ?? [half], s.multimodalInterleaved ?? false);
    const onehot = mx.equal(mx.arange(angles.shape[0]!, mx.int32).reshape([-1, 1, 1]), mx.array(axisOf, mx.int32).reshape([1, 1, half]));
    return mx.sum(mx.multiply(angles, onehot.astype(mx.float32)), 0);
  }
}

/** For each of `half` frequencies, the position axis it reads. */
export function multimodalAxes(half: number, sections: readonly number[], interleaved: boolean): number[] {
  const axes: number[] = [];
  if (!interleaved) {
    sections.forEach((count, axis) => axes.push(...Array.from({ length: count }, () => axis)));
  } else {
    // transformers `apply_interleaved_mrope`: index j (j mod 3 = a ≥ 1) comes from axis a while j < 3·sections[a].
    for (let j = 0; j < half; j++) {
      const a = j % 3;
      axes.push(a > 0 && a < sections.length && j < 3 * sections[a]! ? a : 0);
    }
  }
  while (axes.length < half) axes.push(0);
  return axes.slice(0, half);
}
