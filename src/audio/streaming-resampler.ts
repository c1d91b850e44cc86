/**
 * The resampler of resample.ts over a signal that arrives in windows: output
 * frame j (the `next` samples j·next … j·next+next−1) is the input window
 * starting at j·orig − width times the kernel, so each window computes the
 * frames whose inputs have all arrived and keeps the `taps − orig` samples the
 * next frames share with it. The result is whole-signal resampling: the same
 * rows of the same product, computed in a different number of calls (so equal up to
 * the float32 rounding of a BLAS that sums a row differently by row count).
 */
import { mx, type Tensor } from "../engine/mlx";
import { sincKernel, type SincKernel } from "./resample";

export class StreamingResampler {
  private readonly kernel: SincKernel | null;
  /** Input from sample `frameStart·orig − width` on (leading zeros stand for the signal's left padding). */
  private pending: Tensor;
  /** Output frames emitted so far. */
  private framesDone = 0;
  private inputLength = 0;
  private finished = false;

  constructor(
    readonly fromRate: number,
    readonly toRate: number,
  ) {
    this.kernel = fromRate === toRate ? null : sincKernel(fromRate, toRate);
    this.pending = mx.zeros([this.kernel?.width ?? 0], mx.float32);
  }

  /** More mono input; returns the output samples now computable (possibly none). */
  push(samples: Tensor): Tensor {
    if (this.finished) throw new Error("StreamingResampler: push after finish");
    this.inputLength += samples.shape[0]!;
    if (!this.kernel) return samples;
    this.pending = mx.concatenate([this.pending, samples]);
    return this.emitAvailable();
  }

  /** The end of the input: the remaining output, up to torchaudio's length ⌈next·L / orig⌉. */
  finish(): Tensor {
    if (this.finished) throw new Error("StreamingResampler: finish called twice");
    this.finished = true;
    if (!this.kernel) return mx.zeros([0], mx.float32);
    const { width, orig, next } = this.kernel;
    this.pending = mx.concatenate([this.pending, mx.zeros([width + orig], mx.float32)]);
    const before = this.framesDone * next;
    const out = this.emitAvailable();
    const target = Math.ceil((next * this.inputLength) / orig);
    return out.index(mx.Slice(0, Math.max(0, target - before)));
  }

  private emitAvailable(): Tensor {
    const { weights, orig } = this.kernel!;
    const taps = weights.shape[0]!;
    const have = this.pending.shape[0]!;
    const frames = have >= taps ? Math.floor((have - taps) / orig) + 1 : 0;
    if (frames === 0) return mx.zeros([0], mx.float32);
    const window = this.pending.index(mx.Slice(0, (frames - 1) * orig + taps));
    const out = mx.matmul(mx.asStrided(window, [frames, taps], [orig, 1]), weights).reshape([-1]);
    this.pending = this.pending.index(mx.Slice(frames * orig));
    this.framesDone += frames;
    mx.eval(out, this.pending);
    return out;
  }
}
