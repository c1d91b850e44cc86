/**
 * Which BLAS the engine's CPU kernels call on Linux. The engine links
 * libblas.so.3, which Debian points at OpenBLAS, and calls one BLAS function,
 * cblas_sgemm. OpenBLAS 0.3.21 runs a matrix × vector product (every decode step)
 * through its GEMM path at ~8–10 GB/s, where its own threaded GEMV streams 23–24
 * GB/s over a decode step's products on this project's 2-core Zen 4 VM (BLIS: 15–16
 * a core, ~21 split by rows across the engine's streams); its GEMMs are the faster
 * ones too (155–167 against BLIS's 128–139 GFLOP/s at a 512-position Qwen3-0.6B
 * prefill's shapes, and 2–4× at 2–8 rows). So where OpenBLAS is installed and a C
 * compiler is at hand, a small library compiled from blas-split.c is loaded before
 * the engine and sends one-row products to OpenBLAS's GEMV, the rest to its GEMM;
 * one-row float products then need no splitting across the engine's streams.
 * Without a compiler BLIS serves everything (scripts/setup.sh installs it), as it
 * does with MLX_ASR_BLAS=blis; MLX_ASR_BLAS=openblas keeps the system's choice.
 *
 * Imported for its effect by engine/mlx.ts, before the engine loads.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { preloadSharedLibrary, setNativeEnvironment } from "../runtime";
import { cCompilerCommand } from "./c-compiler";
import { cacheRoot } from "./cache-dir";

const BLIS_LIBRARIES = ["/usr/lib/x86_64-linux-gnu/blis-pthread/libblas.so.3", "/usr/lib/aarch64-linux-gnu/blis-pthread/libblas.so.3"];
const OPENBLAS_LIBRARIES = ["/usr/lib/x86_64-linux-gnu/libopenblas.so.0", "/usr/lib/aarch64-linux-gnu/libopenblas.so.0"];
const SPLIT_SOURCE = fileURLToPath(new URL("./blas-split.c", import.meta.url));

let selected = "system BLAS (OpenBLAS on Debian)";
let vectorProductsThreaded = false;

/** BLIS's id of its Skylake-X (AVX-512) configuration: the first of its architectures in every release. */
const BLIS_SKX_ARCH = "0";
const AVX512_FLAGS = ["avx512f", "avx512dq", "avx512bw", "avx512vl"];

/**
 * The BLIS configuration to force on this CPU (`BLIS_ARCH_TYPE`), or null to let BLIS
 * choose. BLIS 0.9 (Debian's) does not know AMD's AVX-512 CPUs (Zen 4 and later) and
 * falls back to its generic C kernels: 26 GFLOP/s a core on this project's EPYC, where
 * its Skylake-X kernels, which need only the AVX-512 the CPU has, reach 132–147 with
 * the same results.
 */
export function blisArchOverride(cpuinfo: string): string | null {
  const first = cpuinfo.split(/\n\s*\n/)[0] ?? "";
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, "m").exec(first)?.[1]?.trim() ?? "";
  const flags = new Set(field("flags").split(/\s+/));
  const amd = field("vendor_id") === "AuthenticAMD";
  return amd && AVX512_FLAGS.every((f) => flags.has(f)) ? BLIS_SKX_ARCH : null;
}

function cpuinfoText(): string {
  try {
    return readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    return "";
  }
}

/**
 * The split library over this BLAS, compiled once into the cache (under a hash
 * of its source and the path), or null without a working C compiler.
 */
export function splitBlasLibrary(blas: string, cache = cacheRoot()): string | null {
  const source = readFileSync(SPLIT_SOURCE);
  const key = createHash("sha256").update(source).update(`\n${blas}\n`).digest("hex").slice(0, 16);
  const dir = join(cache, "blas");
  const library = join(dir, `libmlxa-blas-split-${key}.so`);
  if (existsSync(library)) return library;
  const building = `${library}.building-${process.pid}`;
  const [cc, ...args] = cCompilerCommand();
  try {
    mkdirSync(dir, { recursive: true });
    // The runtimes' FFI opens a library locally, so its symbols serve no later library by name; but
    // the engine's dependency on libblas.so.3 is met by an already loaded library of that soname
    // (which is also how BLIS alone replaces OpenBLAS).
    const run = spawnSync(cc!, [...args, "-shared", "-fPIC", "-O2", "-Wl,-soname,libblas.so.3", `-DMLXA_BLAS="${blas}"`, "-x", "c", SPLIT_SOURCE, "-o", building, "-ldl"], { stdio: "ignore" });
    if (run.status !== 0) throw new Error("the C compiler failed");
    renameSync(building, library);
    return library;
  } catch {
    // No compiler, or an unwritable cache: BLIS alone serves.
    if (existsSync(building)) rmSync(building, { force: true });
    return null;
  }
}

function selectBlas(): void {
  if (process.platform !== "linux" || process.env.MLX_ASR_BLAS === "openblas") return;
  // BLIS and OpenBLAS read their thread counts once, from the C environment; GEMMs (encoder, prefill) need every core.
  const threads = process.env.BLIS_NUM_THREADS ?? String(availableParallelism());
  try {
    setNativeEnvironment("BLIS_NUM_THREADS", threads);
    setNativeEnvironment("OPENBLAS_NUM_THREADS", process.env.OPENBLAS_NUM_THREADS ?? threads);
    const openblas = process.env.MLX_ASR_BLAS === "blis" ? undefined : OPENBLAS_LIBRARIES.find((path) => existsSync(path));
    const split = openblas ? splitBlasLibrary(openblas) : null;
    if (split) {
      preloadSharedLibrary(split, "cblas_sgemm");
      selected = `OpenBLAS (${process.env.OPENBLAS_NUM_THREADS ?? threads} threads): GEMM for matrix products, GEMV for matrix × vector`;
      vectorProductsThreaded = true;
      return;
    }
    const blis = BLIS_LIBRARIES.find((path) => existsSync(path));
    if (!blis) return;
    // Below 512 rows BLIS 0.9 takes its unpacked "sup" path, which runs the encoder's and
    // adaptor's GEMMs (T ≈ 500 frames for 30 s) at 70 instead of 160–190 GFLOP/s here;
    // packing both operands restores the full rate and leaves matrix × vector unchanged.
    for (const name of ["BLIS_PACK_A", "BLIS_PACK_B"]) setNativeEnvironment(name, process.env[name] ?? "1");
    const arch = process.env.BLIS_ARCH_TYPE ?? blisArchOverride(cpuinfoText());
    if (arch !== null) setNativeEnvironment("BLIS_ARCH_TYPE", arch);
    preloadSharedLibrary(blis, "sgemm_");
    selected = `BLIS (${threads} threads${arch === BLIS_SKX_ARCH ? ", Skylake-X kernels" : ""})`;
  } catch {
    // Without FFI (another runtime), the system BLAS serves, only slower at decoding.
  }
}

selectBlas();

/**
 * Whether a float matrix × vector product already runs on every core inside the
 * BLAS (OpenBLAS's GEMV), so splitting it by rows across the engine's streams
 * would only add work.
 */
export function blasThreadsVectorProducts(): boolean {
  return vectorProductsThreaded;
}

/** The BLAS in use, for reports. */
export function activeBlas(): string {
  return selected;
}
