/**
 * The strided-loop rewrite, apart from the engine: a kernel in the engine's
 * generated form (two inputs with strides, one scalar, one output) is built as
 * generated and as rewritten, and both are run over the same data with inner
 * strides 1, 0 (broadcast) and 2 (the rewrite's fallback), on inner lengths
 * below, at and across its 16 and 256 limits. The outputs must be identical to
 * the bit: the rewrite changes how elements are reached, never what is computed.
 */
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findCompiler, NATIVE_CODE_FLAGS } from "../../src/engine/compiler-shim";
import { STRIDED_LOOPS_AWK } from "../../src/engine/strided-loops";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

const root = mkdtempSync(join(tmpdir(), "mlx-asr-strided-"));
writeFileSync(join(root, "rewrite.awk"), STRIDED_LOOPS_AWK);

const PREAMBLE = `#include <cmath>
#include <cstddef>
struct Multiply { template <typename T> T operator()(T a, T b) { return a * b; } };
struct Subtract { template <typename T> T operator()(T a, T b) { return a - b; } };
struct Exp { float operator()(float a) { return std::exp(a); } };
extern "C" {
`;

/** As the engine writes a 2-D strided kernel of exp(A·s − B) with the scalar s. */
const KERNEL = `void Kf4Exp_VVS_f4f4f4_1_strided_2(void** args) {
  float* A = (float*)args[0];
  const size_t* A_strides = (size_t*)args[1];
  float* B = (float*)args[2];
  const size_t* B_strides = (size_t*)args[3];
  float* S = (float*)args[4];
  float* C = (float*)args[5];
  const int* shape = (int*)args[6];
  for (int i0 = 0; i0 < shape[0]; ++i0) {
  for (int i1 = 0; i1 < shape[1]; ++i1) {
  float tmp_A = *A;
  float tmp_B = *B;
  float tmp_S = *S;
  float tmp_D = Multiply()(tmp_A, tmp_S);
  float tmp_E = Subtract()(tmp_D, tmp_B);
  float tmp_C = Exp()(tmp_E);
  *C++ = tmp_C;
  A += A_strides[1];
  B += B_strides[1];
  }
  A += A_strides[0];
  A -= A_strides[1] * shape[1];
  B += B_strides[0];
  B -= B_strides[1] * shape[1];
  }
}
}
`;

/** Runs the kernel over rows × n outputs for each (A inner stride, B inner stride) and prints every output bit pattern. */
const DRIVER = `
#include <cstdio>
#include <cstring>
#include <vector>
int main() {
  const int lengths[] = {5, 16, 17, 256, 300, 513};
  const size_t strides[][2] = {{1, 1}, {1, 0}, {0, 1}, {0, 0}, {2, 1}, {1, 2}};
  for (int n : lengths) for (auto& s : strides) {
    const int rows = 3;
    std::vector<float> a(rows * n * 2 + 1), b(rows * n * 2 + 1), c(rows * n);
    for (size_t i = 0; i < a.size(); ++i) { a[i] = 0.37f * (float)((i * 7919) % 101) - 9.5f; b[i] = 0.11f * (float)((i * 104729) % 37); }
    size_t as[2] = {s[0] ? n * s[0] : 1, s[0]}, bs[2] = {s[1] ? n * s[1] : 1, s[1]};
    float scale = 1.25f;
    int shape[2] = {rows, n};
    void* args[] = {a.data(), as, b.data(), bs, &scale, c.data(), shape};
    Kf4Exp_VVS_f4f4f4_1_strided_2(args);
    for (float v : c) { unsigned u; std::memcpy(&u, &v, 4); std::printf("%08x", u); }
    std::printf("\\n");
  }
}
`;

function build(name: string, kernel: string): string {
  const source = join(root, `${name}.cpp`);
  writeFileSync(source, PREAMBLE + kernel + DRIVER);
  const binary = join(root, name);
  const compile = spawnSync(findCompiler()!, ["-std=c++17", ...NATIVE_CODE_FLAGS, source, "-o", binary], { encoding: "utf8" });
  expect(compile.stderr).toBe("");
  const run = spawnSync(binary, [], { encoding: "utf8" });
  expect(run.status).toBe(0);
  return run.stdout;
}

function rewrite(source: string): string {
  const awk = spawnSync("awk", ["-f", join(root, "rewrite.awk")], { input: source, encoding: "utf8" });
  expect(awk.status).toBe(0);
  return awk.stdout;
}

describe("strided-loop rewrite", () => {
  test("adds the unit-stride version before the engine's loop, which it keeps verbatim", () => {
    const out = rewrite(KERNEL);
    expect(out).toContain("if (n_ >= 16 && s_A_ <= 1 && s_B_ <= 1) {");
    expect(out).toContain("float tmp_A = q_A_[j_];");
    expect(out).toContain("float tmp_S = *S;");
    expect(out).toContain("q_C_[j_] = tmp_C;");
    const innerLoop = KERNEL.split("\n").slice(9, 20).join("\n");
    expect(out).toContain(innerLoop);
  });

  test("leaves other code alone: contiguous kernels, and loops it does not recognise", () => {
    const contiguous = KERNEL.replace("_strided_2", "_contiguous");
    expect(rewrite(contiguous)).toBe(contiguous);
    const braces = KERNEL.replace("  *C++ = tmp_C;", "  if (tmp_C > 0) { *C++ = tmp_C; }");
    expect(rewrite(braces)).toBe(braces);
  });

  test.skipIf(!findCompiler())("gives bit-identical outputs for unit, broadcast and other strides and every loop length", () => {
    const generated = build("generated", KERNEL);
    const rewritten = build("rewritten", rewrite(KERNEL));
    expect(generated.split("\n").filter(Boolean)).toHaveLength(36);
    expect(rewritten).toBe(generated);
  });
});
