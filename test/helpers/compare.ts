/** Numeric comparison of tensors for parity tests. */
import { mx, type Tensor } from "../../src/engine/mlx";

export interface Difference {
  maxAbs: number;
  meanAbs: number;
}

export function difference(actual: Tensor, expected: Tensor): Difference {
  if (actual.shape.join(",") !== expected.shape.join(",")) {
    throw new Error(`shape [${actual.shape}] differs from the reference [${expected.shape}]`);
  }
  const d = mx.abs(mx.subtract(actual.astype(mx.float32), expected.astype(mx.float32)));
  return { maxAbs: Number(d.max().item()), meanAbs: Number(d.mean().item()) };
}
