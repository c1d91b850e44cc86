/**
 * Token embeddings, float or MLX affine-quantized; with a tied LM head the same
 * table also maps hidden states to logits.
 */
import { mx, type Tensor } from "../engine/mlx";
import { applyShards, isSingleRow, shardRows, type RowShards } from "./row-shards";
import { quantizeMatrix, type QuantizationParams } from "../engine/quantize";
import type { Dtype } from "../engine/mlx";

export interface TokenEmbedding {
  /** `ids [...]` int32 → `[..., H]`. */
  lookup(ids: Tensor): Tensor;
  /** `h [..., H]` → `[..., V]` (tied head). */
  asLinear(h: Tensor): Tensor;
  readonly vocabSize: number;
}

export class Embedding implements TokenEmbedding {
  private readonly shards: RowShards | null;

  constructor(readonly weight: Tensor) {
    this.shards = shardRows([weight], "blas");
  }

  get vocabSize(): number {
    return this.weight.shape[0]!;
  }

  lookup(ids: Tensor): Tensor {
    return mx.take(this.weight, ids, 0);
  }

  asLinear(h: Tensor): Tensor {
    if (this.shards && isSingleRow(h)) return applyShards(this.shards, h, (x, [w], stream) => mx.matmul(x, w!.T, stream));
    return mx.matmul(h, this.weight.T);
  }
}

export class QuantizedEmbedding implements TokenEmbedding {
  private readonly shards: RowShards | null;

  constructor(
    readonly weight: Tensor,
    readonly scales: Tensor,
    readonly biases: Tensor,
    readonly quantization: QuantizationParams,
  ) {
    this.shards = shardRows([weight, scales, biases], "engine");
  }

  static fromFloat(weight: Tensor, quantization: QuantizationParams, computeDtype: Dtype = mx.float32): QuantizedEmbedding {
    const [wq, scales, biases] = quantizeMatrix(weight, quantization, computeDtype);
    return new QuantizedEmbedding(wq, scales, biases, quantization);
  }

  get vocabSize(): number {
    return this.weight.shape[0]!;
  }

  lookup(ids: Tensor): Tensor {
    const { groupSize, bits } = this.quantization;
    const rows = (t: Tensor) => mx.take(t, ids, 0);
    return mx.dequantize(rows(this.weight), rows(this.scales), rows(this.biases), groupSize, bits);
  }

  asLinear(h: Tensor): Tensor {
    const { groupSize, bits } = this.quantization;
    if (this.shards && isSingleRow(h)) {
      return applyShards(this.shards, h, (x, [w, s, b], stream) => mx.quantizedMatmul(x, w!, s!, b!, true, groupSize, bits, stream));
    }
    return mx.quantizedMatmul(h, this.weight, this.scales, this.biases, true, groupSize, bits);
  }
}
