/**
 * Whether network blocks run as compiled engine functions. On Metal the engine
 * compiles kernels itself. On the CPU it writes C++ for fused kernels and calls
 * `g++` at run time — and aborts the whole process when there is none — so
 * compilation is used only when `g++` is on PATH, called through the shim of
 * compiler-shim.ts; the built kernels are kept in a cache folder (not the temp
 * folder) and reused by later runs.
 * MLX_ASR_COMPILE=0 turns compilation off.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { setNativeEnvironment } from "../runtime";
import { cacheRoot } from "./cache-dir";
import { installCompilerShim } from "./compiler-shim";
import { backend } from "./device";

let decided: boolean | undefined;

/** Where the CPU backend keeps the kernels it compiled. */
export function kernelCacheDir(): string {
  return join(cacheRoot(), "cpu-kernels");
}

export function compilationEnabled(): boolean {
  if (decided !== undefined) return decided;
  decided = false;
  if (process.env.MLX_ASR_COMPILE === "0") return decided;
  if (backend() === "metal") return (decided = true);
  try {
    // Without the shim's repairs a kernel build can abort the process, so no shim, no compilation.
    const path = installCompilerShim(join(cacheRoot(), "bin"));
    if (!path) return decided;
    setNativeEnvironment("PATH", path);
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
