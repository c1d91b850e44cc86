/**
 * Whether network blocks run as compiled engine functions. On Metal the engine
 * compiles kernels itself. On the CPU it writes C++ for fused kernels and calls
 * `g++` at run time — and aborts the whole process when there is none — so
 * compilation is used only when `g++` is on PATH; the built kernels are kept in
 * a cache folder (not the temp folder) and reused by later runs.
 * MLX_ASR_COMPILE=0 turns compilation off.
 */
import { existsSync, mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { setNativeEnvironment } from "../runtime";
import { backend } from "./device";

let decided: boolean | undefined;

function onPath(program: string): boolean {
  return (process.env.PATH ?? "").split(delimiter).some((dir) => dir && existsSync(join(dir, program)));
}

/** Where the CPU backend keeps the kernels it compiled. */
export function kernelCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "mlx-asr", "cpu-kernels");
}

export function compilationEnabled(): boolean {
  if (decided !== undefined) return decided;
  decided = false;
  if (process.env.MLX_ASR_COMPILE === "0") return decided;
  if (backend() === "metal") return (decided = true);
  if (!onPath("g++")) return decided;
  try {
    const dir = kernelCacheDir();
    mkdirSync(dir, { recursive: true });
    // The engine writes and loads its kernels under the C temp directory.
    setNativeEnvironment("TMPDIR", dir);
    decided = true;
  } catch {
    decided = false;
  }
  return decided;
}
