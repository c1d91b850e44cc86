/**
 * Long audio is cut into pieces of at most `maxSeconds` at low-energy points, each
 * decoded on its own (the models were trained on ≤ 30 s). Energies are computed
 * with tensor ops on 10 ms frames and smoothed over 300 ms; each cut is the
 * quietest frame in the second half of the allowed window.
 */
import { mx, type Tensor } from "../engine/mlx";

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
/** The last piece is never shorter than this when a cut can avoid it (seconds). */
const MIN_TAIL_SECONDS = 1;

/** Smoothed per-10 ms energy in dBFS, `[F]`. */
function frameEnergyDb(samples: Tensor): Tensor {
  const n = samples.shape[0]!;
  const frames = Math.ceil(n / FRAME);
  const padded = mx.pad(samples, [[0, frames * FRAME - n]]).reshape([frames, FRAME]);
  const power = mx.mean(mx.square(padded), 1);
  const windowSize = Math.min(SMOOTHING_FRAMES, frames);
  const kernel = mx.full([1, windowSize, 1], 1 / windowSize, mx.float32);
  const left = Math.floor((windowSize - 1) / 2);
  const smoothed = mx.conv1d(mx.pad(power, [[left, windowSize - 1 - left]]).reshape([1, frames + windowSize - 1, 1]), kernel, 1, 0, 1, 1);
  return mx.multiply(mx.log10(mx.add(smoothed.reshape([frames]), 1e-10)), 10);
}

/** `maxSeconds` in samples: at least one frame; a positive finite number is required. */
function maxSegmentSamples(maxSeconds: number): number {
  if (!Number.isFinite(maxSeconds) || maxSeconds <= 0) throw new RangeError(`segmentAudio: maxSeconds must be a positive number, got ${maxSeconds}`);
  return Math.max(FRAME, Math.floor(maxSeconds * SAMPLE_RATE));
}

export function segmentAudio(samples: Tensor, options: SegmentationOptions): AudioSegment[] {
  const total = samples.shape[0]!;
  const silenceDb = options.silenceDb ?? DEFAULT_SILENCE_DB;
  const maxSamples = maxSegmentSamples(options.maxSeconds);
  const energy = frameEnergyDb(samples);
  const frames = energy.shape[0]!;
  const cuts = [0];
  while (total - cuts[cuts.length - 1]! > maxSamples) {
    const start = cuts[cuts.length - 1]!;
    const limit = start + maxSamples;
    let latest = Math.min(limit, total - MIN_TAIL_SECONDS * SAMPLE_RATE);
    // A piece shorter than twice the minimal tail cannot keep the tail that long: cut where allowed.
    if (latest <= start) latest = limit;
    const earliest = Math.min(start + Math.floor(maxSamples / 2), latest);
    // Every cut is at least one frame after the previous one, so the loop always ends.
    const first = Math.max(Math.floor(start / FRAME) + 1, Math.ceil(earliest / FRAME));
    if (first >= frames) {
      cuts.push(limit);
      continue;
    }
    const last = Math.min(frames, Math.max(first + 1, Math.floor(latest / FRAME)));
    const quietest = first + Number(mx.argmin(energy.index(mx.Slice(first, last))).item());
    cuts.push(Math.min(quietest * FRAME, limit));
  }
  cuts.push(total);
  const loudest = cuts.slice(0, -1).map((from, i) => {
    const to = cuts[i + 1]!;
    return energy.index(mx.Slice(Math.floor(from / FRAME), Math.max(Math.floor(from / FRAME) + 1, Math.ceil(to / FRAME)))).max();
  });
  const levels = mx.stack(loudest).tolist() as number[];
  return levels.map((level, i) => {
    const from = cuts[i]!;
    const to = cuts[i + 1]!;
    return { start: from / SAMPLE_RATE, end: to / SAMPLE_RATE, samples: samples.index(mx.Slice(from, to)), silent: level < silenceDb };
  });
}
