/**
 * The split BLAS: where OpenBLAS is installed and a C compiler is at hand, the
 * engine's products of one row or column go to OpenBLAS's GEMV (every way the
 * engine lays them out: either operand transposed or not), the rest to its GEMM.
 * Each setting runs in a fresh process (the BLAS is chosen before the engine
 * loads), with its own cache folder; products of every kind must equal a float64
 * computation, and the report must name the library in use.
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
const wt = mx.add(w.T, 0); // [300, 211], laid out transposed
const reference = (rows) => {
  const a = x.index(mx.Slice(0, rows)).tolist(), b = w.tolist();
  return a.map((r) => b.map((c) => r.reduce((s, v, i) => s + v * c[i], 0)));
};
const error = (got, want) => Math.max(...got.flatMap((r, i) => r.map((v, j) => Math.abs(v - want[i][j]))));
const row = x.index(mx.Slice(0, 1));
const oneRow = reference(1);
const oneColumn = oneRow[0].map((v) => [v]);
const transpose = (t) => t[0].map((_, j) => t.map((r) => r[j]));
const column = mx.add(row.T, 0); // [300, 1]
console.log(JSON.stringify({
  blas: activeBlas(),
  vector: Math.max(
    error(mx.matmul(row, w.T).tolist(), oneRow),
    error(mx.matmul(row, wt).tolist(), oneRow),
    error(mx.matmul(column.T, wt).tolist(), oneRow),
    error(mx.matmul(w, column).tolist(), oneColumn),
    error(mx.matmul(w, row.T).tolist(), oneColumn),
    error(mx.matmul(wt.T, column).tolist(), oneColumn),
    error(mx.addmm(mx.ones([1, 211]), row, w.T).tolist(), oneRow.map((r) => r.map((v) => v + 1))),
  ),
  matrix: Math.max(error(mx.matmul(x, w.T).tolist(), reference(37)), error(mx.matmul(wt.T, x.T).tolist(), transpose(reference(37)))),
}));
`;

function run(env: Record<string, string>): { blas: string; vector: number; matrix: number } {
  const script = join(root, "products.ts");
  writeFileSync(script, SCRIPT);
  const proc = Bun.spawnSync(["bun", script], { env: { ...process.env, XDG_CACHE_HOME: join(root, "cache"), ...env }, stdout: "pipe", stderr: "pipe" });
  expect(proc.stderr.toString()).toBe("");
  return JSON.parse(proc.stdout.toString());
}

describe.skipIf(!installed)("split BLAS", () => {
  test("products of one row or column, however laid out, and of many are exact to float32 rounding, and the report names the library", () => {
    const { blas, vector, matrix } = run({});
    expect(blas).toStartWith("OpenBLAS (");
    expect(blas).toEndWith("GEMM for matrix products, GEMV for matrix × vector");
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
