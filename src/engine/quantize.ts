/** MLX affine quantization of float matrices, the way mlx-community files store it. */
import { mx, type Dtype, type Tensor } from "./mlx";

export interface QuantizationParams {
  readonly groupSize: number;
  readonly bits: number;
}

/**
 * Quantizes `[out, in]` in float32; scales and biases are rounded to the source's
 * float dtype (bf16 for released checkpoints), as a quantized file would hold
 * them, so quantizing at load and loading a quantized copy give the same numbers.
 * They are then cast to `computeDtype`.
 */
export function quantizeMatrix(source: Tensor, q: QuantizationParams, computeDtype: Dtype): [Tensor, Tensor, Tensor] {
  const [codes, scales, biases] = mx.quantize(source.astype(mx.float32), q.groupSize, q.bits);
  const stored = (t: Tensor) => t.astype(source.dtype).astype(computeDtype);
  return [codes, stored(scales), stored(biases)];
}
