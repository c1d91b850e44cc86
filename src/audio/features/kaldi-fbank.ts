/**
 * Log-mel filterbank features, computed with tensor ops: frames are a strided
 * view of the signal, the spectrum one batched rfft, the mel energies one matmul.
 *
 * Two recipes: Kaldi's as torchaudio (`torchaudio.compliance.kaldi.fbank`) and
 * FunASR's `WavFrontend` run it, and the OminiX Qwen4B port's (no scaling, no DC
 * removal or pre-emphasis, HTK mel bank snapped to bins, short input zero-padded
 * to one frame).
 */
import { AudioError } from "../../errors";
import { mx, type Tensor } from "../../engine/mlx";
import { frameSignal } from "./framing";
import { htkBinnedMelBank, kaldiMelBank } from "./mel-banks";

export interface FbankOptions {
  readonly sampleRate: number;
  readonly nMels: number;
  readonly frameLengthMs: number;
  readonly frameShiftMs: number;
  /** Multiplier applied to the [-1, 1] waveform first (FunASR: 32768). */
  readonly inputScale: number;
  readonly removeDcOffset: boolean;
  readonly preemphasis: number;
  /** Standard deviation of Gaussian noise added per frame, in input units (0 = deterministic). */
  readonly dither: number;
  readonly lowFreq: number;
  /** ≤ 0 means an offset from Nyquist, as in Kaldi. */
  readonly highFreq: number;
  readonly logFloor: number;
  readonly melBank: "kaldi" | "htk-binned";
  /**
   * Input shorter than one window: FunASR shrinks the window to the clip
   * (`frame_length = min(25 ms, duration)`); OminiX zero-pads it to one frame.
   */
  readonly shortInput: "shrink-window" | "zero-pad";
}

/** Below this many samples there is no meaningful spectrum; both references refuse such input. */
export const MIN_FBANK_SAMPLES = 160;

const hammingCache = new Map<number, Tensor>();

/** Symmetric Hamming window 0.54 − 0.46·cos(2πn/(N−1)). */
function hamming(size: number): Tensor {
  let w = hammingCache.get(size);
  if (!w) {
    const n = mx.arange(size, mx.float32);
    w = mx.subtract(0.54, mx.multiply(0.46, mx.cos(mx.multiply(n, (2 * Math.PI) / (size - 1)))));
    mx.eval(w);
    hammingCache.set(size, w);
  }
  return w;
}

/** The window followed by zeros up to the FFT size. */
function paddedHamming(size: number, fftSize: number): Tensor {
  const w = hamming(size);
  return fftSize > size ? mx.pad(w, [[0, fftSize - size]]) : w;
}

function nextPowerOfTwo(n: number): number {
  return 2 ** Math.ceil(Math.log2(n));
}

/** `wave [S]` (16 kHz mono, [-1, 1]) → `[T, nMels]`. */
export function computeFbank(wave: Tensor, o: FbankOptions, source = "<waveform>"): Tensor {
  const samples = wave.shape[0]!;
  if (samples < MIN_FBANK_SAMPLES) {
    throw new AudioError(
      "AUDIO_TOO_SHORT",
      source,
      `audio is ${samples} samples (${((samples / o.sampleRate) * 1000).toFixed(1)} ms); at least ${MIN_FBANK_SAMPLES} samples (10 ms) are needed`,
    );
  }
  // Same float64 arithmetic as torchaudio/FunASR, so the window size rounds identically.
  const frameLengthMs =
    o.shortInput === "shrink-window" ? Math.min(o.frameLengthMs, (samples / o.sampleRate) * 1000) : o.frameLengthMs;
  const windowSize = Math.trunc(o.sampleRate * frameLengthMs * 0.001);
  const shift = Math.trunc(o.sampleRate * o.frameShiftMs * 0.001);
  const fftSize = nextPowerOfTwo(windowSize);

  let x = o.inputScale === 1 ? wave : mx.multiply(wave, o.inputScale);
  if (samples < windowSize) x = mx.pad(x, [[0, windowSize - samples]]);
  const frameCount = 1 + Math.floor((x.shape[0]! - windowSize) / shift);
  let frames = frameSignal(x, windowSize, shift, frameCount);

  if (o.dither > 0) frames = mx.add(frames, mx.multiply(mx.random.normal([frameCount, windowSize]), o.dither));
  if (o.removeDcOffset) frames = mx.subtract(frames, mx.mean(frames, 1, true));
  if (o.preemphasis !== 0) {
    const previous = mx.concatenate([frames.index(mx.Slice(), mx.Slice(0, 1)), frames.index(mx.Slice(), mx.Slice(0, -1))], 1);
    frames = mx.subtract(frames, mx.multiply(previous, o.preemphasis));
  }
  // Padding first makes the frames contiguous; the engine multiplies strided views slowly.
  if (fftSize > windowSize) frames = mx.pad(frames, [[0, 0], [0, fftSize - windowSize]]);
  frames = mx.multiply(frames, paddedHamming(windowSize, fftSize));

  const power = mx.square(mx.abs(mx.fft.rfft(frames, fftSize, -1)));
  const bank =
    o.melBank === "kaldi"
      ? kaldiMelBank(o.nMels, fftSize, o.sampleRate, o.lowFreq, o.highFreq)
      : htkBinnedMelBank(o.nMels, fftSize, o.sampleRate, o.lowFreq);
  return mx.log(mx.maximum(mx.matmul(power, bank), o.logFloor));
}
