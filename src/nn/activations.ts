/** Activation functions, written out so their exact form is visible. */
import { mx, type Tensor } from "../engine/mlx";

export function relu(x: Tensor): Tensor {
  return mx.maximum(x, 0);
}

/** The exact (erf) GELU of PyTorch's default: 0.5·x·(1 + erf(x/√2)). */
export function gelu(x: Tensor): Tensor {
  return mx.multiply(mx.multiply(x, 0.5), mx.add(mx.erf(mx.multiply(x, Math.SQRT1_2)), 1));
}

export function silu(x: Tensor): Tensor {
  return mx.multiply(x, mx.sigmoid(x));
}
