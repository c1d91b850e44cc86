/**
 * The 16 kHz mono samples of a recording that keeps growing: input at any rate is
 * resampled as it arrives, and samples no longer needed can be dropped, so memory
 * holds what the encoder has still to see, not the whole recording.
 */
import { AudioError } from "../../errors";
import { mx } from "../../engine/mlx";
import { toFloat32Array, toTensor } from "../../engine/transfer";
import { assertResamplable, MODEL_SAMPLE_RATE } from "../../audio/load";
import { StreamingResampler } from "../../audio/streaming-resampler";

export class Recording {
  private data = new Float32Array(MODEL_SAMPLE_RATE * 16);
  /** Absolute index of data[0]. */
  private start = 0;
  private length = 0;
  private resampler: StreamingResampler | null = null;
  private inputRate = 0;
  private ended = false;

  constructor(readonly source: string) {}

  /** Samples received so far (16 kHz), counted from the start of the recording. */
  get end(): number {
    return this.start + this.length;
  }

  get seconds(): number {
    return this.end / MODEL_SAMPLE_RATE;
  }

  /** Mono samples at `sampleRate`; every call of a recording has the same rate. */
  append(samples: Float32Array, sampleRate: number): void {
    if (this.ended) throw new Error("Recording: append after end");
    if (this.inputRate === 0) {
      if (!(sampleRate > 0)) throw new AudioError("AUDIO_BAD_HEADER", this.source, `sample rate ${sampleRate} is not a positive number`);
      assertResamplable(sampleRate, this.source);
      this.inputRate = sampleRate;
      this.resampler = sampleRate === MODEL_SAMPLE_RATE ? null : new StreamingResampler(sampleRate, MODEL_SAMPLE_RATE);
    } else if (sampleRate !== this.inputRate) {
      throw new AudioError("AUDIO_BAD_HEADER", this.source, `sample rate changed from ${this.inputRate} Hz to ${sampleRate} Hz`);
    }
    if (samples.length === 0) return;
    const input = toTensor(samples);
    if (mx.any(mx.logicalOr(mx.isnan(input), mx.isinf(input))).item()) {
      throw new AudioError("AUDIO_NON_FINITE", this.source, "contains NaN or infinite sample values");
    }
    this.store(this.resampler ? toFloat32Array(this.resampler.push(input)) : samples);
  }

  /** No more input: the resampler's last samples are added. */
  close(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.resampler) this.store(toFloat32Array(this.resampler.finish()));
  }

  /** Samples `[from, to)` (absolute indices, not dropped yet). */
  slice(from: number, to: number): Float32Array {
    if (from < this.start || to > this.end || from > to) throw new RangeError(`Recording: [${from}, ${to}) is outside [${this.start}, ${this.end})`);
    return this.data.slice(from - this.start, to - this.start);
  }

  /** Forgets the samples before `at`. */
  dropBefore(at: number): void {
    const drop = Math.min(Math.max(0, at - this.start), this.length);
    if (drop === 0) return;
    this.data.copyWithin(0, drop, this.length);
    this.start += drop;
    this.length -= drop;
  }

  private store(samples: Float32Array): void {
    if (this.length + samples.length > this.data.length) {
      const grown = new Float32Array(Math.max(this.data.length * 2, this.length + samples.length));
      grown.set(this.data.subarray(0, this.length));
      this.data = grown;
    }
    this.data.set(samples, this.length);
    this.length += samples.length;
  }
}
