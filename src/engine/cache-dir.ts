/** mlx-asr's own cache folder (compiled kernels, converted checkpoints): `$XDG_CACHE_HOME/mlx-asr`, else `~/.cache/mlx-asr`. */
import { homedir } from "node:os";
import { join } from "node:path";

export function cacheRoot(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "mlx-asr");
}

/** Where PyTorch checkpoints converted to safetensors are kept, under the source's sha256. */
export function conversionCacheDir(): string {
  return join(cacheRoot(), "converted");
}
