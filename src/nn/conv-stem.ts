/**
 * Convolution stems of audio encoders: a few strided convolutions, each followed
 * by an activation, over channels-last input (`[B, T, C]` for 1-D, `[B, H, W, C]`
 * for 2-D). Weights are in the engine's layout (`[out, k, in]`, `[out, kh, kw, in]`).
 */
import { backend } from "../engine/device";
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

/**
 * 2-D convolution of channels-last `x [N, H, W, C]` by `weight [out, kh, kw, C]`. On
 * the CPU as one matrix product over the gathered patches (im2col): the engine's
 * CPU conv2d runs a 480-channel 3×3 stride-2 layer over 30 s of audio in 108 s,
 * the product in under a second; Metal's own convolution is fast.
 */
export function conv2d(x: Tensor, weight: Tensor, stride: number, padding: number, bias?: Tensor): Tensor {
  if (backend() === "metal") {
    const y = mx.conv2d(x, weight, stride, padding);
    return bias ? mx.add(y, bias) : y;
  }
  const [out, kh, kw, channels] = weight.shape as [number, number, number, number];
  const [, height, width] = x.shape as [number, number, number, number];
  const rows = convOutputLength(height, kh, stride, padding);
  const cols = convOutputLength(width, kw, stride, padding);
  const padded = padding > 0 ? mx.pad(x, [[0, 0], [padding, padding], [padding, padding], [0, 0]]) : x;
  const patches: Tensor[] = [];
  for (let dy = 0; dy < kh; dy++) {
    for (let dx = 0; dx < kw; dx++) {
      patches.push(padded.index(mx.Slice(), mx.Slice(dy, dy + stride * (rows - 1) + 1, stride), mx.Slice(dx, dx + stride * (cols - 1) + 1, stride)));
    }
  }
  const gathered = patches.length === 1 ? patches[0]! : mx.concatenate(patches, 3);
  const matrix = weight.reshape([out, kh * kw * channels]).T;
  // The bias inside the product, as in Linear: added after, it would make the activation's kernel strided.
  return bias ? mx.addmm(bias, gathered, matrix) : mx.matmul(gathered, matrix);
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
      const bias = layer.bias ? p.next() : undefined;
      if (weight.ndim === 4) h = conv2d(h, weight, layer.stride, layer.padding, bias);
      else {
        h = mx.conv1d(h, weight, layer.stride, layer.padding, 1, 1);
        if (bias) h = mx.add(h, bias);
      }
      h = activate(this.activation, h);
    }
    return h;
  }

  /** Output length along a strided axis for `length` input positions. */
  outputLength(length: number): number {
    return this.layers.reduce((n, l) => convOutputLength(n, l.weight.shape[1]!, l.stride, l.padding), length);
  }
}
