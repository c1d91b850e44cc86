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
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";

/** The real compiler on PATH, or undefined. */
export function findCompiler(path: string | undefined = process.env.PATH, exclude?: string): string | undefined {
  for (const dir of (path ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, "g++");
    if (candidate !== exclude && existsSync(candidate)) return candidate;
  }
  return undefined;
}

export function shimScript(realCompiler: string): string {
  return `#!/bin/sh
# Written by mlx-asr (src/engine/compiler-shim.ts); see that file for why.
real='${realCompiler.replaceAll("'", "'\\''")}'
flags=''; src=''; src_tail=''; out=''; out_tail=''; state=flags
for arg in "$@"; do
  case $state in
    flags) case $arg in -o) exec "$real" "$@" ;; -*) flags="$flags $arg" ;; *) src=$arg; state=src ;; esac ;;
    src) case $arg in -o) state=out ;; *) [ -z "$src_tail" ] || exec "$real" "$@"; src_tail=$arg ;; esac ;;
    out) if [ -z "$out" ]; then out=$arg; else [ -z "$out_tail" ] || exec "$real" "$@"; out_tail=$arg; fi ;;
  esac
done
[ "$state" = out ] && [ -n "$out" ] || exec "$real" "$@"
gap=''
if [ -n "$src_tail" ]; then
  pad=' '
  while [ \${#pad} -le 16 ]; do
    if [ -f "$src$pad$src_tail" ]; then gap=$pad; break; fi
    pad="$pad "
  done
  [ -n "$gap" ] || exec "$real" "$@"
  src="$src$gap$src_tail"
  out="$out$gap$out_tail"
fi
tmp="$(dirname "$out")/.building-$$.so"
for attempt in 1 2 3; do
  # $flags holds only the engine's fixed option words, so splitting it is intended.
  if "$real" $flags "$src" -o "$tmp" && mv -f "$tmp" "$out"; then exit 0; fi
  sleep 1
done
rm -f "$tmp"
exit 1
`;
}

/**
 * Writes the shim into `binDir` (when its content differs) and returns the PATH
 * with that folder first, or undefined when there is no g++ to wrap.
 */
export function installCompilerShim(binDir: string, path: string | undefined = process.env.PATH): string | undefined {
  const shim = join(binDir, "g++");
  const realCompiler = findCompiler(path, shim);
  if (!realCompiler) return undefined;
  const script = shimScript(realCompiler);
  mkdirSync(binDir, { recursive: true });
  if (!existsSync(shim) || readFileSync(shim, "utf8") !== script) {
    const staged = `${shim}.${process.pid}.tmp`;
    writeFileSync(staged, script);
    chmodSync(staged, 0o755);
    renameSync(staged, shim);
  }
  const rest = (path ?? "").split(delimiter).filter((dir) => dir && dir !== binDir);
  return [binDir, ...rest].join(delimiter);
}
