/**
 * Choosing the next token from logits, on the device: greedy, or temperature
 * with optional presence penalty, top-k and top-p, from a seeded key so that a
 * seed reproduces a run.
 */
import { mx, type Tensor } from "../engine/mlx";
import type { SamplingOptions } from "../families/sampling-options";

export type { SamplingOptions };

export const GREEDY: SamplingOptions = { temperature: 0 };

export class Sampler {
  private key: Tensor;
  private presence: Tensor | null = null;
  private generated = 0;

  constructor(
    readonly options: SamplingOptions,
    readonly vocabSize: number,
  ) {
    this.key = mx.random.key(options.seed ?? Math.floor(Math.random() * 2 ** 31));
  }

  /** `logits [V]` float32 → the chosen id as an int32 scalar tensor (not yet evaluated). */
  sample(logits: Tensor): Tensor {
    const { temperature, topK, topP, presencePenalty } = this.options;
    const penalize = (presencePenalty ?? 0) !== 0 && this.presence !== null;
    if (temperature <= 0 && !penalize) return mx.argmax(logits, 0).astype(mx.int32);
    let l = penalize ? mx.subtract(logits, mx.multiply(this.presence!, presencePenalty!)) : logits;
    if (temperature <= 0) return mx.argmax(l, 0).astype(mx.int32);
    l = mx.divide(l, temperature);
    const vocab = this.vocabSize;
    const k = topK && topK > 0 && topK < vocab ? topK : vocab;
    // Partitioning finds the k largest in O(V); only they are sorted, and only for top-p.
    const candidates = k < vocab ? mx.partition(l, vocab - k, 0).index(mx.Slice(vocab - k)) : l;
    if (k < vocab) l = mx.where(mx.less(l, mx.min(candidates)), -Infinity, l);
    if (topP !== undefined && topP < 1) {
      const descending = mx.negative(mx.sort(mx.negative(candidates), 0));
      const probs = mx.softmax(descending, 0);
      const before = mx.subtract(mx.cumsum(probs), probs);
      const smallestKept = mx.min(mx.where(mx.greater(before, topP), Infinity, descending));
      l = mx.where(mx.less(l, smallestKept), -Infinity, l);
    }
    const keys = mx.random.split(this.key, 2);
    this.key = keys.index(0);
    return mx.random.categorical(l, 0, undefined, undefined, keys.index(1)).astype(mx.int32);
  }

  /** Records a generated token for the presence penalty. */
  observe(token: Tensor): void {
    this.generated++;
    if ((this.options.presencePenalty ?? 0) === 0) return;
    this.presence ??= mx.zeros([this.vocabSize], mx.float32);
    this.presence = mx.maximum(this.presence, mx.equal(mx.arange(this.vocabSize, mx.int32), token).astype(mx.float32));
  }

  get count(): number {
    return this.generated;
  }
}
