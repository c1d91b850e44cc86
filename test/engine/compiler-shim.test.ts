/**
 * The g++ shim repairs the engine's kernel builds: a kernel file name with a
 * space (which the engine's unquoted shell command splits) is joined back, and
 * the library appears only once fully built. Without it the engine aborts the
 * process on such a kernel — a layer norm compiled alone produces one.
 */
import { describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findCompiler, installCompilerShim } from "../../src/engine/compiler-shim";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

const root = mkdtempSync(join(tmpdir(), "mlx-asr-shim-"));

/** A stand-in compiler that logs its arguments and creates its output. */
function fakeCompiler(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "g++");
  writeFileSync(
    path,
    `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a" >> "${dir}/args.log"; done\nwhile [ $# -gt 0 ]; do [ "$1" = -o ] && out=$2; shift; done\nprintf built > "$out"\n`,
  );
  chmodSync(path, 0o755);
  return dir;
}

/** A fake real compiler, the shim installed in front of it, and a kernel folder holding `source`. */
function workspace(name: string, source: string): { compilerDir: string; shimDir: string; kernels: string; path: string | undefined } {
  const compilerDir = fakeCompiler(join(root, `real-${name}`));
  const shimDir = join(root, `shim-${name}`);
  const kernels = join(root, `kernels-${name}`);
  mkdirSync(kernels);
  writeFileSync(join(kernels, source), "// source");
  return { compilerDir, shimDir, kernels, path: installCompilerShim(shimDir, compilerDir) };
}

function runShim(shimDir: string, args: string[]): number {
  const proc = Bun.spawnSync([join(shimDir, "g++"), ...args], { stderr: "pipe" });
  return proc.exitCode;
}

describe("compiler shim", () => {
  test("joins a kernel path split at the padding space and builds to the joined name", () => {
    const { compilerDir, shimDir, kernels, path } = workspace("split", "Af4Add_ 1f2e3d.cpp");
    expect(path?.split(":")[0]).toBe(shimDir);

    const status = runShim(shimDir, ["-std=c++17", "-O2", "-shared", join(kernels, "Af4Add_"), "1f2e3d.cpp", "-o", join(kernels, "libAf4Add_"), "1f2e3d.so"]);

    expect(status).toBe(0);
    expect(readFileSync(join(kernels, "libAf4Add_ 1f2e3d.so"), "utf8")).toBe("built");
    const logged = readFileSync(join(compilerDir, "args.log"), "utf8").split("\n");
    expect(logged).toContain(join(kernels, "Af4Add_ 1f2e3d.cpp"));
    expect(readdirSync(kernels).filter((name) => name.startsWith(".building"))).toEqual([]);
  });

  test("joins with as many spaces as the file on disk has", () => {
    const { shimDir, kernels } = workspace("two-spaces", "Bf4_  3d.cpp");

    expect(runShim(shimDir, ["-shared", join(kernels, "Bf4_"), "3d.cpp", "-o", join(kernels, "libBf4_"), "3d.so"])).toBe(0);
    expect(existsSync(join(kernels, "libBf4_  3d.so"))).toBe(true);
  });

  test("passes an ordinary build through and fails when the compiler fails", () => {
    const { compilerDir, shimDir, kernels } = workspace("plain", "plain.cpp");
    expect(runShim(shimDir, ["-shared", join(kernels, "plain.cpp"), "-o", join(kernels, "libplain.so")])).toBe(0);
    expect(readFileSync(join(kernels, "libplain.so"), "utf8")).toBe("built");

    writeFileSync(join(compilerDir, "g++"), "#!/bin/sh\nexit 1\n");
    expect(runShim(shimDir, ["-shared", join(kernels, "plain.cpp"), "-o", join(kernels, "libother.so")])).toBe(1);
    expect(existsSync(join(kernels, "libother.so"))).toBe(false);
  });

  test("never takes itself for the real compiler", () => {
    const { compilerDir, shimDir } = workspace("self", "unused.cpp");
    expect(findCompiler([shimDir, compilerDir].join(":"), join(shimDir, "g++"))).toBe(join(compilerDir, "g++"));
    expect(installCompilerShim(join(root, "shim5"), join(root, "nothing-here"))).toBeUndefined();
  });

  test.skipIf(!findCompiler())(
    "a compiled layer norm whose kernel name holds a space builds and runs (it aborted the process before)",
    () => {
      const script = join(root, "layer-norm.ts");
      const engine = join(import.meta.dir, "../../src/engine");
      writeFileSync(
        script,
        `import { mx } from "${engine}/mlx";
import { compilationEnabled } from "${engine}/compilation";
if (!compilationEnabled()) throw new Error("compilation is off");
const x = mx.random.normal([1, 50, 64]);
const g = mx.ones([64]);
const norm = mx.compile((x, g) => [mx.fast.layerNorm(x, g, g, 1e-5)]);
const strided = x.transpose(1, 0, 2);
mx.eval(norm(x, g)[0], norm(strided, g)[0]);
const d = mx.max(mx.abs(mx.subtract(norm(strided, g)[0], mx.fast.layerNorm(strided, g, g, 1e-5))));
console.log(d.item());
`,
      );
      const cache = join(root, "xdg");
      const proc = Bun.spawnSync(["bun", script], { env: { ...process.env, XDG_CACHE_HOME: cache }, stdout: "pipe", stderr: "pipe" });
      expect(proc.stderr.toString()).not.toContain("terminate called");
      expect(proc.exitCode).toBe(0);
      expect(Number(proc.stdout.toString().trim())).toBeLessThan(1e-5);
      expect(readdirSync(join(cache, "mlx-asr", "cpu-kernels")).some((name) => name.includes(" "))).toBe(true);
    },
  );
});
