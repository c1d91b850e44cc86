/**
 * Overlapping analysis frames as a strided view of the signal: no copy until an
 * op consumes them, no per-sample loop.
 */
import { mx, type Tensor } from "../../engine/mlx";

/**
 * `[..., N]` → `[..., count, frameLength]`; frame t holds samples
 * `[t·hop, t·hop + frameLength)` of the last axis.
 */
export function frameSignal(signal: Tensor, frameLength: number, hop: number, count: number): Tensor {
  const shape = signal.shape;
  const length = shape[shape.length - 1]!;
  if (count < 1 || (count - 1) * hop + frameLength > length) {
    throw new RangeError(`frameSignal: ${count} frames of ${frameLength} every ${hop} do not fit in ${length} samples`);
  }
  const leading = shape.slice(0, -1);
  const strides: number[] = [];
  let stride = length;
  for (let axis = leading.length - 1; axis >= 0; axis--) {
    strides.unshift(stride);
    stride *= leading[axis]!;
  }
  return mx.asStrided(signal, [...leading, count, frameLength], [...strides, hop, 1]);
}
