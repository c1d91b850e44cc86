/**
 * The g++ shim repairs the engine's kernel builds: a kernel file name with a
 * space (which the engine's unquoted shell command splits) is joined back, and
 * the library appears only once fully built. Without it the engine aborts the
 * process on such a kernel — a layer norm compiled alone produces one.
 */
import { describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { ERF_EXP_PATCH, findCompiler, installCompilerShim, NATIVE_CODE_FLAGS, nativeCodeFlags } from "../../src/engine/compiler-shim";
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
function workspace(name: string, source: string, extraFlags: readonly string[] = [], content = "// source"): { compilerDir: string; shimDir: string; kernels: string; path: string | undefined } {
  const compilerDir = fakeCompiler(join(root, `real-${name}`));
  const shimDir = join(root, `shim-${name}`);
  const kernels = join(root, `kernels-${name}`);
  mkdirSync(kernels);
  writeFileSync(join(kernels, source), content);
  return { compilerDir, shimDir, kernels, path: installCompilerShim(shimDir, compilerDir, extraFlags) };
}

/** Runs `body` in a fresh process with the engine (`mx`, `gelu`) and compilation on, kernels under its own cache folder. */
function runWithCompilation(name: string, body: string): { proc: { stdout: Buffer; stderr: Buffer; exitCode: number | null }; cache: string } {
  const script = join(root, `${name}.ts`);
  const src = join(import.meta.dir, "../../src");
  writeFileSync(
    script,
    `import { mx } from "${src}/engine/mlx";
import { compilationEnabled } from "${src}/engine/compilation";
import { gelu } from "${src}/nn/activations";
if (!compilationEnabled()) throw new Error("compilation is off");
${body}`,
  );
  const cache = join(root, `xdg-${name}`);
  const proc = Bun.spawnSync(["bun", script], { env: { ...process.env, XDG_CACHE_HOME: cache }, stdout: "pipe", stderr: "pipe" });
  return { proc, cache };
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

  test("with native flags: they follow the engine's, and the build compiles a copy whose erf uses the engine's exp", () => {
    const source = `inline float fast_erf(float a) {\n    r = 1.0f - std::exp(r);\n}\nfloat other = std::exp(x);\n`;
    const { compilerDir, shimDir, kernels } = workspace("native", "Af4Erf_.cpp", NATIVE_CODE_FLAGS, source);
    // The stand-in compiler copies the source it is given into the library, to show what was built.
    writeFileSync(join(compilerDir, "g++"), `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a" >> "${compilerDir}/args.log"; done\nwhile [ $# -gt 0 ]; do case $1 in -o) out=$2; shift ;; *.cpp) src=$1 ;; esac; shift; done\ncat "$src" > "$out"\n`);

    expect(runShim(shimDir, ["-std=c++17", "-O2", "-shared", join(kernels, "Af4Erf_.cpp"), "-o", join(kernels, "libAf4Erf_.so")])).toBe(0);

    const built = readFileSync(join(kernels, "libAf4Erf_.so"), "utf8");
    expect(built).toContain(ERF_EXP_PATCH.to);
    expect(built).not.toContain(ERF_EXP_PATCH.from);
    expect(built).toContain("float other = std::exp(x);");
    expect(readFileSync(join(kernels, "Af4Erf_.cpp"), "utf8")).toBe(source);
    const args = readFileSync(join(compilerDir, "args.log"), "utf8").trim().split("\n");
    expect(args.slice(0, 3)).toEqual(["-std=c++17", "-O2", "-shared"]);
    expect(args.slice(3, 3 + NATIVE_CODE_FLAGS.length)).toEqual([...NATIVE_CODE_FLAGS]);
    expect(readdirSync(kernels).filter((name) => name.startsWith(".building"))).toEqual([]);
  });

  test("with native flags, strided kernels are built rewritten, and as the engine wrote them if the rewritten one fails to build", () => {
    const kernel = [
      "void Kf4Neg_V_f4_1_strided_1(void** args) {",
      "  float* A = (float*)args[0];",
      "  const size_t* A_strides = (size_t*)args[1];",
      "  float* C = (float*)args[2];",
      "  const int* shape = (int*)args[3];",
      "  for (int i0 = 0; i0 < shape[0]; ++i0) {",
      "  float tmp_A = *A;",
      "  float tmp_C = Negative()(tmp_A);",
      "  *C++ = tmp_C;",
      "  A += A_strides[0];",
      "  }",
      "}",
      "",
    ].join("\n");
    const build = (name: string, refuseRewritten: boolean) => {
      const { compilerDir, shimDir, kernels } = workspace(name, "Kf4Neg_.cpp", NATIVE_CODE_FLAGS, kernel);
      // awk from the system's PATH, after the stand-in compiler.
      installCompilerShim(shimDir, [compilerDir, process.env.PATH].join(delimiter), NATIVE_CODE_FLAGS);
      // The stand-in compiler copies the source into the library; this one may refuse rewritten sources.
      const refuse = refuseRewritten ? `grep -q ivdep "$src" && exit 1\n` : "";
      writeFileSync(join(compilerDir, "g++"), `#!/bin/sh\nwhile [ $# -gt 0 ]; do case $1 in -o) out=$2; shift ;; *.cpp) src=$1 ;; esac; shift; done\n${refuse}cat "$src" > "$out"\n`);
      expect(runShim(shimDir, ["-std=c++17", "-O2", "-shared", join(kernels, "Kf4Neg_.cpp"), "-o", join(kernels, "libKf4Neg_.so")])).toBe(0);
      expect(readdirSync(kernels).filter((f) => f.startsWith(".building"))).toEqual([]);
      return readFileSync(join(kernels, "libKf4Neg_.so"), "utf8");
    };
    expect(build("rewritten", false)).toContain("#pragma GCC ivdep");
    expect(build("fallback", true)).toBe(kernel);
  });

  test("native flags are used only where the compiler accepts them, and the answer is kept", () => {
    const accepting = fakeCompiler(join(root, "accepting"));
    const refusing = join(root, "refusing");
    mkdirSync(refusing);
    writeFileSync(join(refusing, "g++"), "#!/bin/sh\necho probed >> \"$(dirname \"$0\")/probes.log\"\nexit 1\n");
    chmodSync(join(refusing, "g++"), 0o755);

    expect(nativeCodeFlags(join(accepting, "g++"), join(root, "bin-accepting"))).toEqual([...NATIVE_CODE_FLAGS]);
    expect(nativeCodeFlags(join(refusing, "g++"), join(root, "bin-refusing"))).toEqual([]);
    expect(nativeCodeFlags(join(refusing, "g++"), join(root, "bin-refusing"))).toEqual([]);
    expect(readFileSync(join(refusing, "probes.log"), "utf8").trim().split("\n")).toHaveLength(1);
  });

  test("never takes itself for the real compiler", () => {
    const { compilerDir, shimDir } = workspace("self", "unused.cpp");
    expect(findCompiler([shimDir, compilerDir].join(":"), join(shimDir, "g++"))).toBe(join(compilerDir, "g++"));
    expect(installCompilerShim(join(root, "shim5"), join(root, "nothing-here"))).toBeUndefined();
  });

  test.skipIf(!findCompiler())(
    "a compiled layer norm whose kernel name holds a space builds and runs (it aborted the process before)",
    () => {
      const { proc, cache } = runWithCompilation(
        "layer-norm",
        `const x = mx.random.normal([1, 50, 64]);
const g = mx.ones([64]);
const norm = mx.compile((x, g) => [mx.fast.layerNorm(x, g, g, 1e-5)]);
const strided = x.transpose(1, 0, 2);
mx.eval(norm(x, g)[0], norm(strided, g)[0]);
const d = mx.max(mx.abs(mx.subtract(norm(strided, g)[0], mx.fast.layerNorm(strided, g, g, 1e-5))));
console.log(d.item());
`,
      );
      expect(proc.stderr.toString()).not.toContain("terminate called");
      expect(proc.exitCode).toBe(0);
      expect(Number(proc.stdout.toString().trim())).toBeLessThan(1e-5);
      const kernels = readdirSync(join(cache, "mlx-asr", "cpu-kernels"), { recursive: true }) as string[];
      expect(kernels.some((name) => name.includes(" "))).toBe(true);
    },
  );

  test.skipIf(!findCompiler())("a compiled GELU built for this CPU (its erf on the engine's exp) agrees with the eager one within 5e-7", () => {
    const { proc } = runWithCompilation(
      "gelu",
      `const x = mx.concatenate([mx.multiply(mx.random.normal([100000], mx.float32, 0, 1, mx.random.key(3)), 4), mx.linspace(-9, 9, 1001), mx.array([Infinity, -Infinity, 0])]);
const compiled = mx.compile((v) => [gelu(v)])(x)[0];
const eager = mx.multiply(mx.multiply(x, 0.5), mx.add(mx.erf(mx.multiply(x, Math.SQRT1_2)), 1));
console.log(JSON.stringify({ diff: mx.max(mx.abs(mx.subtract(compiled.index(mx.Slice(0, -3)), eager.index(mx.Slice(0, -3))))).item(), ends: (compiled.index(mx.Slice(-3)).tolist() as number[]).map(String) }));
`,
    );
    expect(proc.stderr.toString()).toBe("");
    const { diff, ends } = JSON.parse(proc.stdout.toString()) as { diff: number; ends: string[] };
    expect(diff).toBeLessThan(5e-7);
    expect(ends).toEqual(["Infinity", "NaN", "0"]);
  });

  test.skipIf(!findCompiler())("fused kernels with broadcast inputs (strided, rewritten for the CPU) give the eager results", () => {
    const { proc } = runWithCompilation(
      "broadcast",
      `const key = (i) => mx.random.key(i);
const x = mx.random.normal([2, 37, 300], mx.float32, 0, 3, key(1));
const w = mx.random.normal([300], mx.float32, 0, 1, key(2));
const b = mx.random.normal([300], mx.float32, 0, 1, key(3));
const keep = mx.greater(mx.random.normal([2, 1, 300], mx.float32, 0, 1, key(4)), 0);
const i = mx.arange(300, mx.int32);
const cases = {
  biasScale: [(x, w, b) => mx.add(mx.multiply(x, w), b), [x, w, b]],
  rowMax: [(x) => mx.exp(mx.subtract(x, mx.max(x, -1, true))), [x]],
  softmax: [(x) => { const e = mx.exp(mx.subtract(x, mx.max(x, -1, true))); return mx.divide(e, mx.sum(e, -1, true)); }, [x]],
  layerNorm: [(x, w, b) => mx.fast.layerNorm(x, w, b, 1e-5), [x, w, b]],
  transposed: [(x, w) => mx.multiply(x.transpose(0, 2, 1), w.reshape([300, 1])), [x, w]],
  shortRows: [(x, b) => mx.add(x.index(mx.Slice(), mx.Slice(), mx.Slice(0, 9)), b.index(mx.Slice(0, 9))), [x, b]],
  boolMask: [(x, keep) => mx.where(keep, x, mx.negative(x)), [x, keep]],
  int32: [(i) => mx.add(i.reshape([1, 300]), mx.arange(5, mx.int32).reshape([5, 1])), [i]],
};
const out = {};
for (const [name, [f, args]] of Object.entries(cases)) {
  const compiled = mx.compile((...a) => [f(...a)])(...args)[0];
  const eager = f(...args);
  out[name] = mx.max(mx.abs(mx.subtract(compiled.astype(mx.float32), eager.astype(mx.float32)))).item();
}
console.log(JSON.stringify(out));
`,
    );
    expect(proc.stderr.toString()).toBe("");
    const diff = JSON.parse(proc.stdout.toString()) as Record<string, number>;
    // Exact where the eager ops round the same way: a multiply then an add stay two roundings (no FMA).
    for (const exact of ["biasScale", "transposed", "shortRows", "boolMask", "int32"]) expect(diff[exact]).toBe(0);
    for (const close of ["rowMax", "softmax", "layerNorm"]) expect(diff[close]).toBeLessThan(5e-6);
  });
});
