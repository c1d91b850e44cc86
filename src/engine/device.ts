/**
 * Device and dtype policy. CPU: everything in float32 (the engine's CPU matmul
 * aborts the process on f16/bf16). Metal: the decoder in bfloat16 or quantized,
 * the audio encoder and adaptor in float32 (adaptor outputs reach ~1e3; f16 drift
 * over the encoder's 70 blocks was reported upstream).
 */
import { mx, type Dtype } from "./mlx";

export type Backend = "cpu" | "metal";

let chosen: Backend | undefined;

/** The backend in use: Metal when available, unless MLX_ASR_DEVICE=cpu. */
export function backend(): Backend {
  if (chosen) return chosen;
  const wantCpu = process.env.MLX_ASR_DEVICE === "cpu";
  const metal = !wantCpu && mx.metal.isAvailable();
  mx.setDefaultDevice(metal ? mx.gpu : mx.cpu);
  chosen = metal ? "metal" : "cpu";
  return chosen;
}

/** Dtype of the audio encoder and adaptor weights and activations. */
export function audioDtype(): Dtype {
  return mx.float32;
}

/** Dtype of float decoder weights and activations. */
export function decoderDtype(): Dtype {
  return backend() === "metal" ? mx.bfloat16 : mx.float32;
}

/**
 * Whether to keep a float checkpoint float rather than quantize when the user did
 * not ask: on the CPU the quantized kernels are 2.5× slower than float32 matvec
 * (measured: a 1×2560 @ 2560×9728 matvec 22 ms quantized vs 8.5 ms float32 with
 * OpenBLAS), so quantization there only buys memory.
 */
export function quantizedKernelsAreFast(): boolean {
  return backend() === "metal";
}
