/**
 * Convolution stems of audio encoders: a few strided convolutions, each followed
 * by an activation, over channels-last input (`[B, T, C]` for 1-D, `[B, H, W, C]`
 * for 2-D). Weights are in the engine's layout (`[out, k, in]`, `[out, kh, kw, in]`).
 */
import { mx, type Tensor } from "../engine/mlx";
import { activate, type Activation } from "./feed-forward";
import { callCompiled, ParamCursor, signatureOf, type Module } from "./module";

export interface ConvLayer {
  readonly weight: Tensor;
  readonly bias?: Tensor;
  readonly stride: number;
  readonly padding: number;
}

/** Output length of a convolution along one axis. */
export function convOutputLength(length: number, kernel: number, stride: number, padding: number): number {
  return Math.floor((length + 2 * padding - kernel) / stride) + 1;
}

export class ConvStem implements Module {
  readonly params: readonly Tensor[];
  readonly signature: string;

  constructor(
    private readonly layers: readonly ConvLayer[],
    private readonly activation: Activation,
  ) {
    this.params = layers.flatMap((l) => (l.bias ? [l.weight, l.bias] : [l.weight]));
    const shape = layers.map((l) => `${l.weight.ndim}d/s${l.stride}p${l.padding}${l.bias ? "+b" : ""}`).join(",");
    this.signature = signatureOf("conv-stem", shape, activation);
  }

  get dimensions(): 1 | 2 {
    return this.layers[0]!.weight.ndim === 4 ? 2 : 1;
  }

  forward(x: Tensor): Tensor {
    return callCompiled(this, [x], ([input], p) => [this.call(input!, p)])[0]!;
  }

  call(x: Tensor, p: ParamCursor): Tensor {
    let h = x;
    for (const layer of this.layers) {
      const weight = p.next();
      h = weight.ndim === 4 ? mx.conv2d(h, weight, layer.stride, layer.padding) : mx.conv1d(h, weight, layer.stride, layer.padding, 1, 1);
      if (layer.bias) h = mx.add(h, p.next());
      h = activate(this.activation, h);
    }
    return h;
  }

  /** Output length along a strided axis for `length` input positions. */
  outputLength(length: number): number {
    return this.layers.reduce((n, l) => convOutputLength(n, l.weight.shape[1]!, l.stride, l.padding), length);
  }
}
