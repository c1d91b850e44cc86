/**
 * How the C heap, where the engine allocates every tensor, keeps its pages on
 * Linux. glibc serves allocations of 128 KB and more with fresh mappings (or from
 * per-thread arenas that it trims) and gives them back when freed, so each op's
 * output lands on pages the kernel must fault in again. On this project's VM a page
 * fault costs ~15 µs: a Qwen3-0.6B prefill of 405 positions took 155–258 thousand
 * faults and 2.1–2.5 s of system time out of 6 s. Kept pages make it 39–80 faults,
 * 0.15 s and 3.4–3.9 s, with the same peak RSS (freed tensors are reused for the
 * next ones of the same sizes).
 *
 * All three settings are needed: one arena alone changes nothing, one arena that is
 * never trimmed but still maps large blocks faults more than before, and large
 * blocks from the heap across several arenas still fault in each arena.
 * MLX_ASR_NATIVE_HEAP=system keeps glibc's defaults.
 *
 * Imported for its effect by engine/mlx.ts, before the engine loads.
 */
import { setNativeHeapOption, trimNativeHeap } from "../runtime";

/** glibc's mallopt parameters (malloc.h). */
const M_TRIM_THRESHOLD = -1;
const M_MMAP_THRESHOLD = -3;
const M_ARENA_MAX = -8;

/** The largest mmap threshold glibc accepts (HEAP_MAX_SIZE / 2 on 64-bit). */
const MAX_MMAP_THRESHOLD = 32 * 1024 * 1024;

export const KEPT_PAGES_SETTINGS: ReadonlyArray<readonly [parameter: number, value: number]> = [
  [M_ARENA_MAX, 1],
  [M_MMAP_THRESHOLD, MAX_MMAP_THRESHOLD],
  [M_TRIM_THRESHOLD, 2 ** 31 - 1],
];

let policy = "glibc defaults";

function keepPages(): void {
  if (process.platform !== "linux" || process.env.MLX_ASR_NATIVE_HEAP === "system") return;
  try {
    const accepted = KEPT_PAGES_SETTINGS.every(([parameter, value]) => setNativeHeapOption(parameter, value) === 1);
    policy = accepted ? "kept pages (one arena, blocks ≤ 32 MiB from the heap, no trimming)" : "glibc defaults (mallopt refused)";
  } catch {
    // Not glibc (musl has no libc.so.6) or no FFI in this runtime: the defaults serve, only slower.
  }
}

keepPages();

/** The C heap's policy in use, for reports. */
export function nativeHeapPolicy(): string {
  return policy;
}

/**
 * Gives the kept pages back to the system: for a process that has finished a burst
 * of work and will idle (a server between requests). A no-op with glibc's defaults.
 */
export function releaseKeptPages(): void {
  if (!policy.startsWith("kept pages")) return;
  trimNativeHeap();
}
