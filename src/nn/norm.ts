/** Normalization layers over the last axis. */
import { mx, type Tensor } from "../engine/mlx";

export class LayerNorm {
  constructor(
    readonly weight: Tensor,
    readonly bias: Tensor,
    readonly eps: number,
  ) {}

  forward(x: Tensor): Tensor {
    return mx.fast.layerNorm(x, this.weight, this.bias, this.eps);
  }
}

export class RmsNorm {
  constructor(
    readonly weight: Tensor,
    readonly eps: number,
  ) {}

  forward(x: Tensor): Tensor {
    return mx.fast.rmsNorm(x, this.weight, this.eps);
  }
}
