/**
 * A transformer encoder layer, pre-norm (`x + attn(norm1 x)`, then `+ ffn(norm2 ·)`)
 * or post-norm (PyTorch `nn.TransformerEncoderLayer` default: `norm1(x + attn x)`,
 * then `norm2(· + ffn ·)`), run as one compiled function.
 */
import { mx, type Tensor } from "../engine/mlx";
import type { SelfAttention } from "./attention";
import type { FeedForward } from "./feed-forward";
import { callCompiled, ParamCursor, paramsOf, signatureOf, type Module } from "./module";
import type { LayerNorm } from "./norm";

export class TransformerLayer implements Module {
  readonly params: readonly Tensor[];
  readonly signature: string;

  constructor(
    private readonly attention: SelfAttention,
    private readonly feedForward: FeedForward,
    private readonly norm1: LayerNorm,
    private readonly norm2: LayerNorm,
    private readonly normFirst: boolean,
  ) {
    // The order in which `call` reads them.
    this.params = normFirst ? paramsOf(norm1, attention, norm2, feedForward) : paramsOf(attention, norm1, feedForward, norm2);
    this.signature = signatureOf("transformer-layer", attention, feedForward, norm1, norm2, normFirst);
  }

  /** `x [B, T, W]`; `mask` is an additive attention mask (padding, windows). */
  forward(x: Tensor, mask?: Tensor): Tensor {
    return callCompiled(this, mask ? [x, mask] : [x], ([input, m], p) => [this.call(input!, p, m)])[0]!;
  }

  call(x: Tensor, p: ParamCursor, mask?: Tensor): Tensor {
    if (this.normFirst) {
      const y = mx.add(x, this.attention.call(this.norm1.call(x, p), p, mask));
      return mx.add(y, this.feedForward.call(this.norm2.call(y, p), p));
    }
    const y = this.norm1.call(mx.add(x, this.attention.call(x, p, mask)), p);
    return this.norm2.call(mx.add(y, this.feedForward.call(y, p)), p);
  }
}
