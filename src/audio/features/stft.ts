/**
 * The power spectrogram of a centred short-time Fourier transform, as
 * `torch.stft(center=True, pad_mode="reflect")` followed by `|X|²` computes it,
 * for a whole batch at once: one reflect pad, one strided framing, one rfft.
 */
import { mx, type Tensor } from "../../engine/mlx";
import { toTensor } from "../../engine/transfer";
import { frameSignal } from "./framing";

const hannCache = new Map<number, Tensor>();

/** torch `hann_window(size)` (periodic): 0.5 − 0.5·cos(2πn/size), built in float64. */
export function periodicHann(size: number): Tensor {
  let window = hannCache.get(size);
  if (!window) {
    const values = new Float32Array(size);
    for (let n = 0; n < size; n++) values[n] = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / size);
    window = toTensor(values);
    mx.eval(window);
    hannCache.set(size, window);
  }
  return window;
}

/**
 * `[B, N]` extended by `width` samples at each end, mirrored about the first and
 * last sample (the edge sample itself is not repeated). Needs `N > width`.
 */
export function reflectPad(batch: Tensor, width: number): Tensor {
  const length = batch.shape[1]!;
  if (length <= width) throw new RangeError(`reflectPad: ${length} samples cannot be mirrored by ${width}`);
  const left = batch.index(mx.Slice(), mx.Slice(width, 0, -1));
  const rightStop = length - 2 - width;
  const right = batch.index(mx.Slice(), mx.Slice(length - 2, rightStop >= 0 ? rightStop : null, -1));
  return mx.concatenate([left, batch, right], 1);
}

/**
 * `[B, N]` → `|X|²` `[B, frames, nFft/2 + 1]` for periodic-Hann frames of `nFft`
 * every `hop` samples, frame t centred on sample t·hop. A centred STFT has
 * 1 + ⌊N/hop⌋ frames; `frames` may ask for fewer (Whisper drops the last).
 */
export function centeredPowerSpectrogram(batch: Tensor, nFft: number, hop: number, frames: number): Tensor {
  const padded = reflectPad(batch, Math.floor(nFft / 2));
  const windowed = mx.multiply(frameSignal(padded, nFft, hop, frames), periodicHann(nFft));
  return mx.square(mx.abs(mx.fft.rfft(windowed, nFft, -1)));
}
