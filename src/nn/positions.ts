/** Fixed sinusoidal position encodings, `[sin | cos]` halves. */
import { mx, type Tensor } from "../engine/mlx";

/**
 * `[length, depth]` encodings of positions `first .. first + length − 1`:
 * `[sin(t·w_i) | cos(t·w_i)]`, `w_i = exp(−i·ln(10000)/(depth/2 − 1))`.
 */
export function sinusoidalPositions(length: number, depth: number, first: number): Tensor {
  const half = depth / 2;
  const increment = Math.log(10000) / (half - 1);
  const inv = mx.exp(mx.multiply(mx.arange(half, mx.float32), -increment)).reshape([1, half]);
  const positions = mx.arange(first, first + length, 1, mx.float32).reshape([length, 1]);
  const angles = mx.multiply(positions, inv);
  return mx.concatenate([mx.sin(angles), mx.cos(angles)], 1);
}
