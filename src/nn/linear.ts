/**
 * Linear layers: float (`y = x·Wᵀ + b`) and MLX affine-quantized
 * (`weight` uint32-packed codes, `scales`, `biases` per group of inputs).
 */
import { mx, type Dtype, type Tensor } from "../engine/mlx";
import { quantizeMatrix, type QuantizationParams } from "../engine/quantize";
import { ParamCursor, type Module } from "./module";
import { callShards, isSingleRow, shardModule, shardRows, type RowShards } from "./row-shards";

export interface Projection extends Module {
  forward(x: Tensor): Tensor;
  /** The forward, reading this projection's tensors from `params` (inside compiled functions). */
  call(x: Tensor, params: ParamCursor): Tensor;
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** The single-row (decode step) form: its tensors are the row shards' when the rows run split across streams. */
  readonly row: Module;
  /** The single-row forward, reading `row.params` from `params` (inside compiled functions). */
  callRow(x: Tensor, params: ParamCursor): Tensor;
}

export type { QuantizationParams };

export class Linear implements Projection {
  readonly params: readonly Tensor[];
  readonly signature: string;
  private readonly shards: RowShards | null;

  constructor(
    /** `[out, in]`, PyTorch layout. */
    readonly weight: Tensor,
    readonly bias?: Tensor,
  ) {
    this.params = bias ? [weight, bias] : [weight];
    this.signature = bias ? "L+b" : "L";
    this.shards = shardRows(this.params, "blas");
    this.row = shardModule(this.shards, this.params, this.signature);
  }

  readonly row: Module;

  get inFeatures(): number {
    return this.weight.shape[1]!;
  }

  get outFeatures(): number {
    return this.weight.shape[0]!;
  }

  call(x: Tensor, params: ParamCursor): Tensor {
    const weight = params.next();
    // The bias inside the product (the GEMM accumulates onto it): added after, it is a
    // broadcast input of the next fused kernel, which the engine then runs through its
    // strided, scalar loop (GELU after the AuT stem's convolutions: 0.58 s for 30 s).
    return this.bias ? mx.addmm(params.next(), x, weight.T) : mx.matmul(x, weight.T);
  }

  /**
   * The forward as consecutive parts of the output, `widths` wide (their sum the
   * output width): one product per part over its rows of the weight (contiguous
   * views), so each part comes out contiguous. Slicing one product's output would
   * give strided views, which the engine's norms and copies then walk element by
   * element (a Qwen3-0.6B prefill spent ~10% of its time there).
   */
  callParts(x: Tensor, params: ParamCursor, widths: readonly number[]): Tensor[] {
    const weight = params.next();
    const bias = this.bias ? params.next() : undefined;
    let start = 0;
    return widths.map((width) => {
      const rows = mx.Slice(start, (start += width));
      const part = weight.index(rows).T;
      return bias ? mx.addmm(bias.index(rows), x, part) : mx.matmul(x, part);
    });
  }

  callRow(x: Tensor, params: ParamCursor): Tensor {
    if (!this.shards) return this.call(x, params);
    return callShards(this.shards, x, params, (input, [w, b], stream) => {
      const y = mx.matmul(input, w!.T, stream);
      return b ? mx.add(y, b, stream) : y;
    });
  }

  /** Eager; a single row runs split across the parallel streams. */
  forward(x: Tensor): Tensor {
    return isSingleRow(x) ? this.callRow(x, new ParamCursor(this.row.params)) : this.call(x, new ParamCursor(this.params));
  }
}

export class QuantizedLinear implements Projection {
  readonly params: readonly Tensor[];
  readonly signature: string;

  constructor(
    readonly weight: Tensor,
    readonly scales: Tensor,
    readonly biases: Tensor,
    readonly quantization: QuantizationParams,
    readonly bias?: Tensor,
  ) {
    this.params = bias ? [weight, scales, biases, bias] : [weight, scales, biases];
    this.signature = `Q${quantization.bits}g${quantization.groupSize}${bias ? "+b" : ""}`;
    this.shards = shardRows(this.params, "engine");
    this.row = shardModule(this.shards, this.params, this.signature);
  }

  private readonly shards: RowShards | null;
  readonly row: Module;

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

  call(x: Tensor, params: ParamCursor): Tensor {
    const { groupSize, bits } = this.quantization;
    const y = mx.quantizedMatmul(x, params.next(), params.next(), params.next(), true, groupSize, bits);
    return this.bias ? mx.add(y, params.next()) : y;
  }

  callRow(x: Tensor, params: ParamCursor): Tensor {
    if (!this.shards) return this.call(x, params);
    const { groupSize, bits } = this.quantization;
    return callShards(this.shards, x, params, (input, [w, s, b, bias], stream) => {
      const y = mx.quantizedMatmul(input, w!, s!, b!, true, groupSize, bits, stream);
      return bias ? mx.add(y, bias, stream) : y;
    });
  }

  /** Eager; a single row runs split across the parallel streams. */
  forward(x: Tensor): Tensor {
    return isSingleRow(x) ? this.callRow(x, new ParamCursor(this.row.params)) : this.call(x, new ParamCursor(this.params));
  }
}
