/**
 * The split BLAS: where BLIS and OpenBLAS are both installed and a C compiler is at
 * hand, the engine's products go to BLIS for one row or column and to OpenBLAS for
 * the rest. Each setting runs in a fresh process (the BLAS is chosen before the
 * engine loads), with its own cache folder; products of both kinds must equal a
 * float64 computation, and the report must name the libraries in use.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

const root = mkdtempSync(join(tmpdir(), "mlx-asr-blas-"));
const src = join(import.meta.dir, "../../src");
const installed =
  process.platform === "linux" &&
  existsSync("/usr/lib/x86_64-linux-gnu/blis-pthread/libblas.so.3") &&
  existsSync("/usr/lib/x86_64-linux-gnu/libopenblas.so.0") &&
  Bun.spawnSync(["cc", "--version"], { stdout: "ignore", stderr: "ignore" }).exitCode === 0;

const SCRIPT = `import { mx } from "${src}/engine/mlx";
import { activeBlas } from "${src}/engine/blas";
const x = mx.random.normal([37, 300], mx.float32, 0, 1, mx.random.key(1));
const w = mx.random.normal([211, 300], mx.float32, 0, 1, mx.random.key(2));
const reference = (rows) => {
  const a = x.index(mx.Slice(0, rows)).tolist(), b = w.tolist();
  return a.map((r) => b.map((c) => r.reduce((s, v, i) => s + v * c[i], 0)));
};
const error = (rows) => {
  const got = mx.matmul(x.index(mx.Slice(0, rows)), w.T).tolist();
  const want = reference(rows);
  return Math.max(...got.flatMap((r, i) => r.map((v, j) => Math.abs(v - want[i][j]))));
};
console.log(JSON.stringify({ blas: activeBlas(), vector: error(1), matrix: error(37) }));
`;

function run(env: Record<string, string>): { blas: string; vector: number; matrix: number } {
  const script = join(root, "products.ts");
  writeFileSync(script, SCRIPT);
  const proc = Bun.spawnSync(["bun", script], { env: { ...process.env, XDG_CACHE_HOME: join(root, "cache"), ...env }, stdout: "pipe", stderr: "pipe" });
  expect(proc.stderr.toString()).toBe("");
  return JSON.parse(proc.stdout.toString());
}

describe.skipIf(!installed)("split BLAS", () => {
  test("products of one row and of many are exact to float32 rounding, and the report names both libraries", () => {
    const { blas, vector, matrix } = run({});
    expect(blas).toStartWith("OpenBLAS for matrix products, BLIS (");
    expect(blas).toEndWith("for matrix × vector");
    expect(vector).toBeLessThan(1e-4);
    expect(matrix).toBeLessThan(1e-4);
    expect(existsSync(join(root, "cache", "mlx-asr", "blas"))).toBe(true);
  });

  test("MLX_ASR_BLAS=blis uses BLIS for every product; so does a failed build (no compiler, or a cache that cannot be written)", () => {
    const blis = run({ MLX_ASR_BLAS: "blis" });
    expect(blis.blas).toStartWith("BLIS (");
    expect(blis.matrix).toBeLessThan(1e-4);
    const noCompiler = run({ CC: "/nonexistent/cc", XDG_CACHE_HOME: join(root, "cache-without-cc") });
    expect(noCompiler.blas).toStartWith("BLIS (");
    expect(noCompiler.vector).toBeLessThan(1e-4);
    const notAFolder = join(root, "not-a-folder");
    writeFileSync(notAFolder, "");
    const unwritable = run({ XDG_CACHE_HOME: notAFolder });
    expect(unwritable.blas).toStartWith("BLIS (");
    expect(unwritable.matrix).toBeLessThan(1e-4);
  });

  test("MLX_ASR_BLAS=openblas keeps the system's choice", () => {
    const system = run({ MLX_ASR_BLAS: "openblas" });
    expect(system.blas).toBe("system BLAS (OpenBLAS on Debian)");
    expect(system.matrix).toBeLessThan(1e-4);
  });
});
