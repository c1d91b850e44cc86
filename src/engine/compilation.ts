/**
 * Whether network blocks run as compiled engine functions. On Metal the engine
 * compiles kernels itself. On the CPU it writes C++ for fused kernels and calls
 * `g++` at run time — and aborts the whole process when there is none — so
 * compilation is used only when `g++` is on PATH, called through the shim of
 * compiler-shim.ts; the built kernels are kept in a cache folder (not the temp
 * folder) and reused by later runs. Kernels built for this machine's CPU are kept
 * apart per CPU, so a cache shared with another machine never loads code its CPU
 * cannot run.
 * MLX_ASR_COMPILE=0 turns compilation off; MLX_ASR_NATIVE_KERNELS=0 builds portable kernels.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { arch, cpus } from "node:os";
import { join } from "node:path";
import { setNativeEnvironment } from "../runtime";
import { cacheRoot } from "./cache-dir";
import { ERF_EXP_PATCH, findCompiler, installCompilerShim, nativeCodeFlags } from "./compiler-shim";
import { STRIDED_LOOPS_AWK } from "./strided-loops";
import { backend } from "./device";

let decided: boolean | undefined;

/** The CPU's model and features and the build's flags, as a short name: kernels built for one CPU are reused only on the same kind. */
function nativeTag(flags: readonly string[]): string {
  let features = "";
  try {
    features = /^(?:flags|Features)\s*:\s*(.*)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "";
  } catch {
    // Not Linux: the model names the CPU.
  }
  const build = `${flags.join(" ")} ${ERF_EXP_PATCH.to} ${STRIDED_LOOPS_AWK}`;
  return createHash("sha256").update(`${arch()} ${cpus()[0]?.model ?? ""} ${features} ${build}`).digest("hex").slice(0, 12);
}

/** Where the CPU backend keeps the kernels it compiled: portable ones, or those built for this CPU with `flags`. */
export function kernelCacheDir(flags: readonly string[] = []): string {
  return flags.length > 0 ? join(cacheRoot(), "cpu-kernels", `native-${nativeTag(flags)}`) : join(cacheRoot(), "cpu-kernels");
}

export function compilationEnabled(): boolean {
  if (decided !== undefined) return decided;
  decided = false;
  if (process.env.MLX_ASR_COMPILE === "0") return decided;
  if (backend() === "metal") return (decided = true);
  try {
    // Without the shim's repairs a kernel build can abort the process, so no shim, no compilation.
    const bin = join(cacheRoot(), "bin");
    const compiler = findCompiler(process.env.PATH, join(bin, "g++"));
    if (!compiler) return decided;
    const flags = process.env.MLX_ASR_NATIVE_KERNELS === "0" ? [] : nativeCodeFlags(compiler, bin);
    // One shim per set of flags: processes with either setting may run side by side.
    const path = installCompilerShim(flags.length > 0 ? join(bin, "native") : bin, process.env.PATH, flags);
    if (!path) return decided;
    setNativeEnvironment("PATH", path);
    const dir = kernelCacheDir(flags);
    mkdirSync(dir, { recursive: true });
    // The engine writes and loads its kernels under the C temp directory.
    setNativeEnvironment("TMPDIR", dir);
    decided = true;
  } catch {
    decided = false;
  }
  return decided;
}
