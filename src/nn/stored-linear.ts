/**
 * A linear layer as a checkpoint stores it: a float `[out, in]` weight, or MLX
 * affine-quantized codes with `scales` and `biases` (mlx-lm's rule: quantized iff
 * `<name>.scales` exists), as mlx-audio's conversions store every quantizable layer,
 * audio encoders' included.
 */
import type { Tensor } from "../engine/mlx";
import type { CheckpointIndex } from "../engine/weights";
import { Linear, QuantizedLinear, type Projection, type QuantizationParams } from "./linear";

/** A stored quantization (`config.json`'s `quantization`), as MLX writes it. */
export interface StoredQuantization {
  readonly group_size: number;
  readonly bits: number;
}

/** The names and shapes of the layer `name` (`[out, in]` in float), quantized when the index says so. */
export function storedLinearShapes(index: CheckpointIndex, name: string, out: number, inFeatures: number, bias: boolean, quantization: StoredQuantization | undefined): [string, number[]][] {
  const shapes: [string, number[]][] = [];
  if (quantization && index.has(`${name}.scales`)) {
    const groups = inFeatures / quantization.group_size;
    shapes.push([`${name}.weight`, [out, (inFeatures * quantization.bits) / 32]], [`${name}.scales`, [out, groups]], [`${name}.biases`, [out, groups]]);
  } else {
    shapes.push([`${name}.weight`, [out, inFeatures]]);
  }
  if (bias) shapes.push([`${name}.bias`, [out]]);
  return shapes;
}

/** The layer `name`: quantized when `<name>.scales` is present, else float. */
export function storedLinear(get: (name: string) => Tensor, has: (name: string) => boolean, name: string, bias: boolean, quantization: StoredQuantization | undefined): Projection {
  const b = bias ? get(`${name}.bias`) : undefined;
  if (quantization && has(`${name}.scales`)) {
    const params: QuantizationParams = { groupSize: quantization.group_size, bits: quantization.bits };
    return new QuantizedLinear(get(`${name}.weight`), get(`${name}.scales`), get(`${name}.biases`), params, b);
  }
  return new Linear(get(`${name}.weight`), b);
}
