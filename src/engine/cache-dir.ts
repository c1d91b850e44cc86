/**
 * mlx-asr's own cache folder (compiled kernels, converted checkpoints, model folders
 * assembled from the hub): `$MLX_ASR_CACHE`, else `$XDG_CACHE_HOME/mlx-asr`, else
 * `~/.cache/mlx-asr`.
 */
import { homedir } from "node:os";
import { join, resolve } from "node:path";

export function cacheRoot(): string {
  if (process.env.MLX_ASR_CACHE) return resolve(process.env.MLX_ASR_CACHE);
  return join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "mlx-asr");
}

/** Where PyTorch checkpoints converted to safetensors are kept, under the source's sha256. */
export function conversionCacheDir(): string {
  return join(cacheRoot(), "converted");
}
