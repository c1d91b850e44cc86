/**
 * Low-frame-rate stacking (FunASR `apply_lfr`): output frame i concatenates input
 * frames clamp(n·i + j − (m−1)/2, 0, T−1) for j < m, giving ceil(T/n) frames.
 */
import { mx, type Tensor } from "../../engine/mlx";

export function lfrFrameCount(frames: number, n: number): number {
  return Math.ceil(frames / n);
}

/** `fbank [T, D]` → `[ceil(T/n), m·D]`, one gather. */
export function applyLfr(fbank: Tensor, m: number, n: number): Tensor {
  const [frames, dim] = fbank.shape as [number, number];
  const outFrames = lfrFrameCount(frames, n);
  // JS number operands would promote int32 to float32, so every operand is an int32 tensor.
  const starts = mx.arange(0, outFrames * n, n, mx.int32).reshape([outFrames, 1]);
  const left = Math.floor((m - 1) / 2);
  const offsets = mx.arange(-left, m - left, 1, mx.int32).reshape([1, m]);
  const index = mx.clip(mx.add(starts, offsets), mx.array(0, mx.int32), mx.array(frames - 1, mx.int32)).reshape([-1]);
  return mx.take(fbank, index, 0).reshape([outFrames, m * dim]);
}
