/**
 * Which BLAS the engine's CPU kernels call on Linux. The engine links
 * libblas.so.3, which Debian points at OpenBLAS; OpenBLAS 0.3.21 runs a
 * matrix × vector product (every decode step) through its GEMM path at ~10 GB/s,
 * where BLIS streams ~20 GB/s per core on the same machine (their GEMMs are
 * equal). When BLIS is installed (scripts/setup.sh installs it), it is loaded
 * before the engine so that the engine's BLAS calls resolve to it.
 * MLX_ASR_BLAS=openblas keeps the system's choice.
 *
 * Imported for its effect by engine/mlx.ts, before the engine loads.
 */
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { preloadSharedLibrary, setNativeEnvironment } from "../runtime";

const BLIS_LIBRARIES = ["/usr/lib/x86_64-linux-gnu/blis-pthread/libblas.so.3", "/usr/lib/aarch64-linux-gnu/blis-pthread/libblas.so.3"];

let selected = "system BLAS (OpenBLAS on Debian)";

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

function selectBlis(): void {
  if (process.platform !== "linux" || process.env.MLX_ASR_BLAS === "openblas") return;
  const library = BLIS_LIBRARIES.find((path) => existsSync(path));
  if (!library) return;
  // BLIS reads its thread count once, from the C environment; GEMMs (encoder, prefill) need every core.
  const threads = process.env.BLIS_NUM_THREADS ?? String(availableParallelism());
  try {
    setNativeEnvironment("BLIS_NUM_THREADS", threads);
    // Below 512 rows BLIS 0.9 takes its unpacked "sup" path, which runs the encoder's and
    // adaptor's GEMMs (T ≈ 500 frames for 30 s) at 70 instead of 160–190 GFLOP/s here;
    // packing both operands restores the full rate and leaves matrix × vector unchanged.
    for (const name of ["BLIS_PACK_A", "BLIS_PACK_B"]) setNativeEnvironment(name, process.env[name] ?? "1");
    const arch = process.env.BLIS_ARCH_TYPE ?? blisArchOverride(cpuinfoText());
    if (arch !== null) setNativeEnvironment("BLIS_ARCH_TYPE", arch);
    preloadSharedLibrary(library, "sgemm_");
    selected = `BLIS (${threads} threads${arch === BLIS_SKX_ARCH ? ", Skylake-X kernels" : ""})`;
  } catch {
    // Without FFI (another runtime), the system BLAS serves, only slower at decoding.
  }
}

selectBlis();

/** The BLAS in use, for reports. */
export function activeBlas(): string {
  return selected;
}
