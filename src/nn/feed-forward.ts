/** The position-wise feed-forward network of transformer blocks: `linear2(act(linear1 x))`. */
import type { Tensor } from "../engine/mlx";
import { gelu, relu, silu } from "./activations";
import type { Projection } from "./linear";
import { ParamCursor, paramsOf, signatureOf, type Module } from "./module";

export type Activation = "gelu" | "relu" | "silu";

const ACTIVATIONS: Readonly<Record<Activation, (x: Tensor) => Tensor>> = { gelu, relu, silu };

export function activate(name: Activation, x: Tensor): Tensor {
  return ACTIVATIONS[name](x);
}

export class FeedForward implements Module {
  readonly params: readonly Tensor[];
  readonly signature: string;

  constructor(
    private readonly linear1: Projection,
    private readonly linear2: Projection,
    private readonly activation: Activation,
  ) {
    this.params = paramsOf(linear1, linear2);
    this.signature = signatureOf("ffn", linear1, linear2, activation);
  }

  call(x: Tensor, p: ParamCursor): Tensor {
    return this.linear2.call(activate(this.activation, this.linear1.call(x, p)), p);
  }
}
