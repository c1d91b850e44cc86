/** Normalization layers over the last axis. */
import { mx, type Tensor } from "../engine/mlx";
import { ParamCursor, type Module } from "./module";

export class LayerNorm implements Module {
  readonly params: readonly Tensor[];
  readonly signature: string;

  constructor(
    readonly weight: Tensor,
    readonly bias: Tensor,
    readonly eps: number,
  ) {
    this.params = [weight, bias];
    this.signature = `LN${eps}`;
  }

  call(x: Tensor, params: ParamCursor): Tensor {
    return mx.fast.layerNorm(x, params.next(), params.next(), this.eps);
  }

  forward(x: Tensor): Tensor {
    return this.call(x, new ParamCursor(this.params));
  }
}

export class RmsNorm implements Module {
  readonly params: readonly Tensor[];
  readonly signature: string;

  constructor(
    readonly weight: Tensor,
    readonly eps: number,
  ) {
    this.params = [weight];
    this.signature = `RMS${eps}`;
  }

  call(x: Tensor, params: ParamCursor): Tensor {
    return mx.fast.rmsNorm(x, params.next(), this.eps);
  }

  forward(x: Tensor): Tensor {
    return this.call(x, new ParamCursor(this.params));
  }
}
