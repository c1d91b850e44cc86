/**
 * A `g++` placed first on the engine's PATH that repairs two faults of the
 * engine's CPU kernel compiler (it builds each fused kernel with an unquoted
 * `system("g++ … <dir>/<name>.cpp -o <dir>/lib<name>.so")`):
 *
 * 1. A long kernel name is cut and given a 16-wide hexadecimal hash padded with
 *    spaces, so about one long kernel in sixteen has a space in its file name.
 *    The shell splits the path, g++ finds no source, and the engine aborts the
 *    whole process (a layer norm compiled on its own does it). The shim joins
 *    the pieces back, with the number of spaces that names an existing file.
 * 2. Two processes compiling the same new kernel race: one can load the other's
 *    half-written library or compile its half-written source. The shim builds
 *    into a private file, renames it into place, and retries a failed build
 *    once the other writer has finished.
 *
 * It also builds for the machine it runs on (NATIVE_CODE_FLAGS). The engine asks
 * for `-O2` and no target, so its fused kernels stay scalar: its exp (a
 * polynomial) calls floor() and branches on ±∞ and NaN, which only SSE4.1 or
 * later and `-fno-trapping-math` let the compiler vectorize. Results are unchanged
 * (no fast-math; `-ffp-contract=off`, since with `-march=native` GCC otherwise fuses
 * a multiply and an add into one FMA, one rounding instead of the eager two): the
 * same operations in the same order, 16 lanes at a time. With those flags the shim also lets the
 * engine's erf use the engine's own exp (ERF_EXP_PATCH) instead of the C
 * library's, whose call keeps every kernel with a GELU scalar: a compiled GELU
 * over 3 M floats takes 2.6 instead of 35 ms, within 2.4e-7 of the engine's.
 * And it gives the strided kernels a loop the compiler can vectorize
 * (strided-loops.ts), run by awk from a file beside the shim.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { STRIDED_LOOPS_AWK } from "./strided-loops";

/** Added to each kernel build when the compiler accepts them (`-O3` overrides the engine's `-O2`). */
export const NATIVE_CODE_FLAGS = ["-O3", "-march=native", "-fno-trapping-math", "-ffp-contract=off"] as const;

/** The line of the engine's erf (in every kernel's preamble) that calls the C library's exp, and its replacement. */
export const ERF_EXP_PATCH = { from: "r = 1.0f - std::exp(r);", to: "r = 1.0f - fast_exp(r);" } as const;

/** The real compiler on PATH, or undefined. */
export function findCompiler(path: string | undefined = process.env.PATH, exclude?: string): string | undefined {
  return findProgram("g++", path, exclude);
}

function findProgram(name: string, path: string | undefined, exclude?: string): string | undefined {
  for (const dir of (path ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (candidate !== exclude && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** The file beside the shim holding the strided-loop rewrite. */
export const STRIDED_LOOPS_FILE = "strided-loops.awk";

const quoted = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;

/** A rewrite of each source built with native flags: awk and its program file. */
export interface SourceRewrite {
  readonly awk: string;
  readonly program: string;
}

/** `rewrite` applies to each source built with `extraFlags` (without it, only the erf patch). */
export function shimScript(realCompiler: string, extraFlags: readonly string[] = [], rewrite?: SourceRewrite): string {
  return `#!/bin/sh
# Written by mlx-asr (src/engine/compiler-shim.ts); see that file for why.
real=${quoted(realCompiler)}
extra='${extraFlags.join(" ")}'
awk=${quoted(rewrite?.awk ?? "")}
rewrite=${quoted(rewrite?.program ?? "")}
flags=''; src=''; src_tail=''; out=''; out_tail=''; state=flags
for arg in "$@"; do
  case $state in
    flags) case $arg in -o) exec "$real" "$@" $extra ;; -*) flags="$flags $arg" ;; *) src=$arg; state=src ;; esac ;;
    src) case $arg in -o) state=out ;; *) [ -z "$src_tail" ] || exec "$real" "$@" $extra; src_tail=$arg ;; esac ;;
    out) if [ -z "$out" ]; then out=$arg; else [ -z "$out_tail" ] || exec "$real" "$@" $extra; out_tail=$arg; fi ;;
  esac
done
[ "$state" = out ] && [ -n "$out" ] || exec "$real" "$@" $extra
gap=''
if [ -n "$src_tail" ]; then
  pad=' '
  while [ \${#pad} -le 16 ]; do
    if [ -f "$src$pad$src_tail" ]; then gap=$pad; break; fi
    pad="$pad "
  done
  [ -n "$gap" ] || exec "$real" "$@" $extra
  src="$src$gap$src_tail"
  out="$out$gap$out_tail"
fi
tmp="$(dirname "$out")/.building-$$.so"
build_src=$src
if [ -n "$extra" ]; then
  build_src="$(dirname "$out")/.building-$$.cpp"
fi
for attempt in 1 2 3; do
  if [ -n "$extra" ]; then
    if [ -n "$rewrite" ]; then
      sed 's/${ERF_EXP_PATCH.from.replaceAll("*", "\\*")}/${ERF_EXP_PATCH.to}/' "$src" | "$awk" -f "$rewrite" > "$build_src" || { sleep 1; continue; }
    else
      sed 's/${ERF_EXP_PATCH.from.replaceAll("*", "\\*")}/${ERF_EXP_PATCH.to}/' "$src" > "$build_src" || { sleep 1; continue; }
    fi
  fi
  # $flags and $extra hold only fixed option words, so splitting them is intended.
  if "$real" $flags $extra "$build_src" -o "$tmp" && mv -f "$tmp" "$out"; then
    [ "$build_src" = "$src" ] || rm -f "$build_src"
    exit 0
  fi
  # A kernel the rewrite broke is built as the engine wrote it on the next attempt.
  rewrite=''
  sleep 1
done
rm -f "$tmp"
[ "$build_src" = "$src" ] || rm -f "$build_src"
exit 1
`;
}

/**
 * Writes the shim into `binDir` (when its content differs) and returns the PATH
 * with that folder first, or undefined when there is no g++ to wrap.
 */
export function installCompilerShim(binDir: string, path: string | undefined = process.env.PATH, extraFlags: readonly string[] = []): string | undefined {
  const shim = join(binDir, "g++");
  const realCompiler = findCompiler(path, shim);
  if (!realCompiler) return undefined;
  mkdirSync(binDir, { recursive: true });
  const awk = extraFlags.length > 0 ? findProgram("awk", path) : undefined;
  const rewrite = awk ? { awk, program: writeIfChanged(join(binDir, STRIDED_LOOPS_FILE), STRIDED_LOOPS_AWK) } : undefined;
  const script = shimScript(realCompiler, extraFlags, rewrite);
  writeIfChanged(shim, script, 0o755);
  const rest = (path ?? "").split(delimiter).filter((dir) => dir && dir !== binDir);
  return [binDir, ...rest].join(delimiter);
}

/** Writes `text` to `file` through a staged rename when the content differs (another process may be running the old one); returns the path. */
function writeIfChanged(file: string, text: string, mode = 0o644): string {
  if (!existsSync(file) || readFileSync(file, "utf8") !== text) {
    const staged = `${file}.${process.pid}.tmp`;
    writeFileSync(staged, text);
    chmodSync(staged, mode);
    renameSync(staged, file);
  }
  return file;
}

/**
 * NATIVE_CODE_FLAGS when `compiler` builds with them here, else none. The answer is
 * kept in `binDir` per compiler, so only the first run pays for the probe.
 */
export function nativeCodeFlags(compiler: string, binDir: string): readonly string[] {
  const record = join(binDir, "native-code-flags.json");
  try {
    const kept = JSON.parse(readFileSync(record, "utf8")) as { compiler?: unknown; flags?: unknown };
    if (kept.compiler === compiler && Array.isArray(kept.flags)) return kept.flags.filter((f): f is string => typeof f === "string");
  } catch {
    // No record yet, or an unreadable one: probe.
  }
  const probe = spawnSync(compiler, [...NATIVE_CODE_FLAGS, "-x", "c++", "-c", "-", "-o", "/dev/null"], { input: "float twice(float x) { return 2 * x; }\n", stdio: ["pipe", "ignore", "ignore"] });
  const flags = probe.status === 0 ? [...NATIVE_CODE_FLAGS] : [];
  mkdirSync(binDir, { recursive: true });
  writeFileSync(record, JSON.stringify({ compiler, flags }));
  return flags;
}
