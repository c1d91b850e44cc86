/**
 * Long audio is cut into pieces of at most `maxSeconds` at low-energy points, each
 * decoded on its own (the models were trained on ≤ 30 s). Energies are computed
 * with tensor ops on 10 ms frames and smoothed over 300 ms; each cut is the
 * quietest frame in the second half of the allowed window.
 *
 * The audio arrives in windows of any size (a file read from disk, a pipe): a cut
 * is decided once one piece's length plus the minimal tail has arrived (or the
 * input has ended), so at most that much audio is held.
 */
import { mx, type Tensor } from "../engine/mlx";
import { toTensor } from "../engine/transfer";

export interface AudioSegment {
  /** Seconds from the start of the input. */
  readonly start: number;
  readonly end: number;
  /** `[S]` 16 kHz samples of the piece. */
  readonly samples: Tensor;
  /** No frame above the silence level: nothing to transcribe. */
  readonly silent: boolean;
}

export interface SegmentationOptions {
  readonly maxSeconds: number;
  /** Frames quieter than this (dBFS, smoothed) are silence. */
  readonly silenceDb?: number;
}

const FRAME = 160;
const SAMPLE_RATE = 16000;
const SMOOTHING_FRAMES = 30;
const DEFAULT_SILENCE_DB = -55;
/** The last piece is never shorter than this when a cut can avoid it (samples). */
const MIN_TAIL_SAMPLES = 1 * SAMPLE_RATE;

/** `maxSeconds` in samples: at least one frame; a positive finite number is required. */
function maxSegmentSamples(maxSeconds: number): number {
  if (!Number.isFinite(maxSeconds) || maxSeconds <= 0) throw new RangeError(`segmentAudio: maxSeconds must be a positive number, got ${maxSeconds}`);
  return Math.max(FRAME, Math.floor(maxSeconds * SAMPLE_RATE));
}

/** Cuts a waveform that arrives in windows: `push` each window, then `finish`. */
export class Segmenter {
  private readonly maxSamples: number;
  private readonly silenceDb: number;
  /** The samples from `start` (the first sample of the piece being built) on. */
  private buffer: Tensor = mx.zeros([0], mx.float32);
  private start = 0;
  private received = 0;
  /** Mean square of each 10 ms frame from frame `powerBase` on; `powerCount` of them are known. */
  private powers = new Float32Array(1024);
  private powerBase = 0;
  private powerCount = 0;
  private ended = false;

  constructor(options: SegmentationOptions) {
    this.maxSamples = maxSegmentSamples(options.maxSeconds);
    this.silenceDb = options.silenceDb ?? DEFAULT_SILENCE_DB;
  }

  /** More 16 kHz samples; returns the pieces now decided. */
  push(samples: Tensor): AudioSegment[] {
    if (this.ended) throw new Error("Segmenter: push after finish");
    const n = samples.shape[0]!;
    if (n === 0) return [];
    this.buffer = this.buffer.shape[0] === 0 ? samples : mx.concatenate([this.buffer, samples]);
    mx.eval(this.buffer);
    this.received += n;
    this.addPowers(Math.floor(this.received / FRAME));
    return this.cutWhileDecided();
  }

  /** The end of the input: the remaining pieces. */
  finish(): AudioSegment[] {
    if (this.ended) throw new Error("Segmenter: finish called twice");
    this.ended = true;
    if (this.received === 0) return [];
    // The last frame, zero-padded, counts like a whole one.
    this.addPowers(Math.ceil(this.received / FRAME));
    const pieces = this.cutWhileDecided();
    pieces.push(this.emit(this.received));
    return pieces;
  }

  private get totalFrames(): number {
    return this.ended ? Math.ceil(this.received / FRAME) : Number.POSITIVE_INFINITY;
  }

  /** Computes the power of frames up to (not including) `frameEnd` from the buffered samples. */
  private addPowers(frameEnd: number): void {
    const from = this.powerBase + this.powerCount;
    if (frameEnd <= from) return;
    const first = from * FRAME - this.start;
    const available = this.received - from * FRAME;
    const length = (frameEnd - from) * FRAME;
    let frames = this.buffer.index(mx.Slice(first, first + Math.min(length, available)));
    if (available < length) frames = mx.pad(frames, [[0, length - available]]);
    const power = mx.mean(mx.square(frames.reshape([frameEnd - from, FRAME])), 1);
    this.storePowers(Float32Array.from(power.tolist() as number[]));
  }

  private storePowers(values: Float32Array): void {
    // Frames before the current piece's smoothing context are no longer needed.
    const drop = Math.max(0, Math.floor(this.start / FRAME) - SMOOTHING_FRAMES - this.powerBase);
    if (drop > 0) {
      this.powers.copyWithin(0, drop, this.powerCount);
      this.powerCount -= drop;
      this.powerBase += drop;
    }
    const needed = this.powerCount + values.length;
    if (needed > this.powers.length) {
      const grown = new Float32Array(2 * needed);
      grown.set(this.powers.subarray(0, this.powerCount));
      this.powers = grown;
    }
    this.powers.set(values, this.powerCount);
    this.powerCount = needed;
  }

  /** Smoothed energy in dBFS of frames [from, to) (a centred moving mean, zero beyond the signal). */
  private energyDb(from: number, to: number): Tensor {
    const windowSize = Math.min(SMOOTHING_FRAMES, this.totalFrames);
    const left = Math.floor((windowSize - 1) / 2);
    const lo = from - left;
    const hi = to + (windowSize - 1 - left);
    const padded = new Float32Array(hi - lo);
    const known = { from: Math.max(lo, 0), to: Math.min(hi, this.powerBase + this.powerCount) };
    padded.set(this.powers.subarray(known.from - this.powerBase, known.to - this.powerBase), known.from - lo);
    const kernel = mx.full([1, windowSize, 1], 1 / windowSize, mx.float32);
    const smoothed = mx.conv1d(toTensor(padded).reshape([1, hi - lo, 1]), kernel, 1, 0, 1, 1);
    return mx.multiply(mx.log10(mx.add(smoothed.reshape([to - from]), 1e-10)), 10);
  }

  /** Cuts while the current piece must end and enough follows it to choose where. */
  private cutWhileDecided(): AudioSegment[] {
    const pieces: AudioSegment[] = [];
    while (this.received - this.start > this.maxSamples && (this.ended || this.received >= this.start + this.maxSamples + MIN_TAIL_SAMPLES)) {
      pieces.push(this.emit(this.nextCut()));
    }
    return pieces;
  }

  private nextCut(): number {
    const start = this.start;
    const limit = start + this.maxSamples;
    const total = this.ended ? this.received : Number.POSITIVE_INFINITY;
    let latest = Math.min(limit, total - MIN_TAIL_SAMPLES);
    // A piece shorter than twice the minimal tail cannot keep the tail that long: cut where allowed.
    if (latest <= start) latest = limit;
    const earliest = Math.min(start + Math.floor(this.maxSamples / 2), latest);
    // Every cut is at least one frame after the previous one, so cutting always ends.
    const first = Math.max(Math.floor(start / FRAME) + 1, Math.ceil(earliest / FRAME));
    if (first >= this.totalFrames) return limit;
    const last = Math.min(this.totalFrames, Math.max(first + 1, Math.floor(latest / FRAME)));
    const quietest = first + Number(mx.argmin(this.energyDb(first, last)).item());
    return Math.min(quietest * FRAME, limit);
  }

  /** The piece [start, end) as a segment; the buffer moves on to `end`. */
  private emit(end: number): AudioSegment {
    const from = Math.floor(this.start / FRAME);
    const loudest = Number(this.energyDb(from, Math.max(from + 1, Math.ceil(end / FRAME))).max().item());
    const samples = this.buffer.index(mx.Slice(0, end - this.start));
    const segment = { start: this.start / SAMPLE_RATE, end: end / SAMPLE_RATE, samples, silent: loudest < this.silenceDb };
    this.buffer = this.buffer.index(mx.Slice(end - this.start));
    this.start = end;
    return segment;
  }
}

/** Cuts a whole waveform `[S]`. */
export function segmentAudio(samples: Tensor, options: SegmentationOptions): AudioSegment[] {
  const segmenter = new Segmenter(options);
  return [...segmenter.push(samples), ...segmenter.finish()];
}

/** Cuts a waveform arriving in windows, yielding each piece as soon as it is decided. */
export async function* segmentStream(windows: AsyncIterable<Tensor>, options: SegmentationOptions): AsyncGenerator<AudioSegment, void, undefined> {
  const segmenter = new Segmenter(options);
  for await (const window of windows) yield* segmenter.push(window);
  yield* segmenter.finish();
}
