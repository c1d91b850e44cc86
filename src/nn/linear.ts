/**
 * Linear layers: float (`y = x·Wᵀ + b`) and MLX affine-quantized
 * (`weight` uint32-packed codes, `scales`, `biases` per group of inputs).
 */
import { mx, type Dtype, type Tensor } from "../engine/mlx";
import { quantizeMatrix, type QuantizationParams } from "../engine/quantize";

export interface Projection {
  forward(x: Tensor): Tensor;
  readonly inFeatures: number;
  readonly outFeatures: number;
}

export type { QuantizationParams };

export class Linear implements Projection {
  constructor(
    /** `[out, in]`, PyTorch layout. */
    readonly weight: Tensor,
    readonly bias?: Tensor,
  ) {}

  get inFeatures(): number {
    return this.weight.shape[1]!;
  }

  get outFeatures(): number {
    return this.weight.shape[0]!;
  }

  forward(x: Tensor): Tensor {
    const y = mx.matmul(x, this.weight.T);
    return this.bias ? mx.add(y, this.bias) : y;
  }
}

export class QuantizedLinear implements Projection {
  constructor(
    readonly weight: Tensor,
    readonly scales: Tensor,
    readonly biases: Tensor,
    readonly quantization: QuantizationParams,
    readonly bias?: Tensor,
  ) {}

  /** Quantizes a float `[out, in]` weight (the input width must be ≥ 512 for the engine's kernels). */
  static fromFloat(weight: Tensor, quantization: QuantizationParams, bias?: Tensor, computeDtype: Dtype = mx.float32): QuantizedLinear {
    const [wq, scales, biases] = quantizeMatrix(weight, quantization, computeDtype);
    return new QuantizedLinear(wq, scales, biases, quantization, bias);
  }

  get inFeatures(): number {
    return (this.weight.shape[1]! * 32) / this.quantization.bits;
  }

  get outFeatures(): number {
    return this.weight.shape[0]!;
  }

  forward(x: Tensor): Tensor {
    const { groupSize, bits } = this.quantization;
    const y = mx.quantizedMatmul(x, this.weight, this.scales, this.biases, true, groupSize, bits);
    return this.bias ? mx.add(y, this.bias) : y;
  }
}
