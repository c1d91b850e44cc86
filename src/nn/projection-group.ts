/**
 * Several projections of the same input (q/k/v, gate/up) as one matrix product
 * when their storage allows: one larger matmul reads the weights in a single
 * pass instead of three or two calls into BLAS per token.
 */
import { mx, type Tensor } from "../engine/mlx";
import { Linear, QuantizedLinear, type Projection } from "./linear";

export class ProjectionGroup {
  private constructor(
    private readonly fused: Projection | null,
    private readonly parts: readonly Projection[],
    /** Where each part's outputs start in the fused output. */
    private readonly splits: number[],
  ) {}

  /** Fuses float projections (all with or all without bias) or quantized ones of equal group size and bits. */
  static of(parts: readonly Projection[]): ProjectionGroup {
    const splits = parts.slice(0, -1).reduce<number[]>((acc, p) => [...acc, (acc.at(-1) ?? 0) + p.outFeatures], []);
    return new ProjectionGroup(fuse(parts), parts, splits);
  }

  forward(x: Tensor): Tensor[] {
    if (!this.fused) return this.parts.map((p) => p.forward(x));
    return mx.split(this.fused.forward(x), this.splits, -1);
  }

  /** The tensors held, for evaluation after building. */
  tensors(): Tensor[] {
    const holders = this.fused ? [this.fused] : this.parts;
    return holders.flatMap((p) => Object.values(p).filter((v): v is Tensor => v instanceof mx.array));
  }
}

function fuse(parts: readonly Projection[]): Projection | null {
  if (parts.every((p) => p instanceof Linear)) {
    const linears = parts as Linear[];
    const biased = linears.filter((p) => p.bias).length;
    if (biased !== 0 && biased !== linears.length) return null;
    const bias = biased ? mx.concatenate(linears.map((p) => p.bias!), 0) : undefined;
    return new Linear(mx.concatenate(linears.map((p) => p.weight), 0), bias);
  }
  if (parts.every((p) => p instanceof QuantizedLinear)) {
    const q = parts as QuantizedLinear[];
    const first = q[0]!.quantization;
    if (q.some((p) => p.quantization.bits !== first.bits || p.quantization.groupSize !== first.groupSize || p.bias)) return null;
    const cat = (pick: (p: QuantizedLinear) => Tensor) => mx.concatenate(q.map(pick), 0);
    return new QuantizedLinear(cat((p) => p.weight), cat((p) => p.scales), cat((p) => p.biases), first);
  }
  return null;
}
