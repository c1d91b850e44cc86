/**
 * Band-limited resampling equal to torchaudio's default `Resample`
 * (sinc interpolation, Hann window, lowpass_filter_width 6, rolloff 0.99).
 *
 * Output sample j·n + p (p < n after reducing the rates by their gcd) is the dot
 * product of the input window starting at j·o with kernel row p: a strided view
 * of the padded signal times the kernel matrix, i.e. one GEMM.
 */
import { mx, type Tensor } from "../engine/mlx";
import { toTensor } from "../engine/transfer";

const LOWPASS_FILTER_WIDTH = 6;
const ROLLOFF = 0.99;

export interface SincKernel {
  /** [K, n]: column p holds the filter of output phase p. */
  readonly weights: Tensor;
  readonly width: number;
  readonly orig: number;
  readonly next: number;
}

const kernelCache = new Map<string, SincKernel>();

/**
 * The most kernel elements resampling may build: 64 MB of float32, about a
 * second of host arithmetic. Rates that share almost no factor with the target
 * (16001 Hz → 16 kHz: 16001 × 16000 taps) go past it; real recorders' rates stay
 * below (44.1 kHz needs 76 k, NTSC's 44056 Hz 11 M).
 */
export const MAX_KERNEL_ELEMENTS = 16 * 2 ** 20;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

function phases(fromRate: number, toRate: number): { orig: number; next: number; baseFreq: number; width: number } {
  const g = gcd(fromRate, toRate);
  const orig = fromRate / g;
  const next = toRate / g;
  const baseFreq = Math.min(orig, next) * ROLLOFF;
  return { orig, next, baseFreq, width: Math.ceil((LOWPASS_FILTER_WIDTH * orig) / baseFreq) };
}

/** Elements of the kernel that resampling between two whole-number rates builds (0 when they are equal). */
export function resamplingKernelElements(fromRate: number, toRate: number): number {
  if (fromRate === toRate) return 0;
  const { orig, next, width } = phases(fromRate, toRate);
  return (2 * width + orig) * next;
}

/**
 * Builds the kernel in float64 like torchaudio (which casts it to float32 at
 * the end); the engine has no float64 on the CPU, so this small setup table is
 * computed on the host. torchaudio evaluates the `-p / n` term in float32.
 */
export function sincKernel(fromRate: number, toRate: number): SincKernel {
  const key = `${fromRate}:${toRate}`;
  const cached = kernelCache.get(key);
  if (cached) return cached;
  const { orig, next, baseFreq, width } = phases(fromRate, toRate);
  const taps = 2 * width + orig;
  const scale = baseFreq / orig;
  const values = new Float32Array(taps * next);
  for (let p = 0; p < next; p++) {
    const phase = Math.fround(-p / next);
    for (let i = 0; i < taps; i++) {
      let t = (phase + (i - width) / orig) * baseFreq;
      t = Math.min(LOWPASS_FILTER_WIDTH, Math.max(-LOWPASS_FILTER_WIDTH, t));
      const window = Math.cos((t * Math.PI) / LOWPASS_FILTER_WIDTH / 2) ** 2;
      const x = t * Math.PI;
      values[i * next + p] = (x === 0 ? 1 : Math.sin(x) / x) * window * scale;
    }
  }
  const kernel = { weights: toTensor(values, [taps, next]), width, orig, next };
  kernelCache.set(key, kernel);
  return kernel;
}

/** Resamples a mono float32 signal `[S]` from `fromRate` to `toRate` Hz. */
export function resample(wave: Tensor, fromRate: number, toRate: number): Tensor {
  if (fromRate === toRate) return wave;
  const { weights, width, orig, next } = sincKernel(fromRate, toRate);
  const length = wave.shape[0]!;
  const padded = mx.pad(wave, [[width, width + orig]]);
  const taps = weights.shape[0]!;
  const frames = Math.floor((padded.shape[0]! - taps) / orig) + 1;
  const windows = mx.asStrided(padded, [frames, taps], [orig, 1]);
  const out = mx.matmul(windows, weights).reshape([-1]);
  const targetLength = Math.ceil((next * length) / orig);
  return out.index(mx.Slice(0, targetLength));
}
