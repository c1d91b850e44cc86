/**
 * The position-wise feed-forward network of transformer blocks:
 * `linear2(act(linear1 x))`, or with a norm over the hidden units before
 * `linear2` (FunASR `PositionwiseFeedForwardDecoderSANM`).
 */
import type { Tensor } from "../engine/mlx";
import { gelu, relu, silu } from "./activations";
import type { Projection } from "./linear";
import { ParamCursor, paramsOf, signatureOf, type Module } from "./module";
import type { LayerNorm } from "./norm";

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
    /** Normalizes the hidden units between the activation and `linear2`. */
    private readonly hiddenNorm?: LayerNorm,
  ) {
    this.params = hiddenNorm ? paramsOf(linear1, hiddenNorm, linear2) : paramsOf(linear1, linear2);
    this.signature = hiddenNorm ? signatureOf("ffn", linear1, hiddenNorm, linear2, activation) : signatureOf("ffn", linear1, linear2, activation);
  }

  call(x: Tensor, p: ParamCursor): Tensor {
    const hidden = activate(this.activation, this.linear1.call(x, p));
    return this.linear2.call(this.hiddenNorm ? this.hiddenNorm.call(hidden, p) : hidden, p);
  }
}
