/**
 * How sure the decoder was of what it wrote, the way Whisper reports it
 * (openai/whisper `decoding.py`): the log-probability of each chosen token under
 * the model's own distribution (log-softmax of the logits, before temperature
 * and penalties), averaged over the text's tokens and the end-of-text token when
 * the text ended on one; and the probability that the very first step ends the
 * text — the model saying there is nothing to transcribe. Computed on the device
 * alongside sampling and evaluated with the token, then read back once.
 */
import { mx, type Tensor } from "../engine/mlx";

export interface ConfidenceScores {
  /** Mean natural-log probability of the kept tokens (and the stop token, if the text ended on one); ≤ 0. */
  readonly avgLogprob: number;
  /** Probability of a stop token at the first step, in [0, 1]. */
  readonly noSpeechProb: number;
}

export class TokenConfidence {
  private readonly logprobs: Tensor[] = [];
  private firstStepStop: Tensor | null = null;
  private readonly stopIds: Tensor | null;

  constructor(stopIds: Iterable<number>) {
    const ids = [...stopIds];
    this.stopIds = ids.length ? mx.array(ids, mx.int32) : null;
  }

  /** Scores the token chosen from `logits [V]`; returns the tensors to evaluate together with it. */
  observe(logits: Tensor, token: Tensor): Tensor[] {
    const scores = logits.astype(mx.float32);
    const normalizer = mx.logsumexp(scores, 0);
    const logprob = mx.subtract(mx.take(scores, token.reshape([1]), 0).reshape([]), normalizer);
    this.logprobs.push(logprob);
    if (this.logprobs.length > 1) return [logprob];
    this.firstStepStop = this.stopIds ? mx.sum(mx.exp(mx.subtract(mx.take(scores, this.stopIds, 0), normalizer))) : mx.array(0, mx.float32);
    return [logprob, this.firstStepStop];
  }

  /**
   * Whether the first step's scores are finite (NaN logits mean corrupt decoder
   * weights); read once the first token is known, so it costs no extra wait.
   */
  firstStepFinite(): boolean {
    const first = this.logprobs[0];
    return first === undefined || Number.isFinite(first.item() as number);
  }

  /**
   * The scores of a generation that kept its first `kept` tokens and, when
   * `endedOnStop`, stopped on the token after them; null when nothing was chosen.
   */
  summary(kept: number, endedOnStop: boolean): ConfidenceScores | null {
    const counted = this.logprobs.slice(0, Math.min(this.logprobs.length, kept + (endedOnStop ? 1 : 0)));
    if (counted.length === 0 || !this.firstStepStop) return null;
    const [avgLogprob, noSpeechProb] = mx.stack([mx.mean(mx.stack(counted)), this.firstStepStop]).tolist() as [number, number];
    return { avgLogprob, noSpeechProb };
  }
}
