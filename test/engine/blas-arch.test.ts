/** Which BLIS configuration is forced from /proc/cpuinfo (only where BLIS 0.9 would fall back to its generic kernels). */
import { expect, test } from "bun:test";
import { blisArchOverride } from "../../src/engine/blas";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

const cpu = (vendor: string, flags: string) => `processor\t: 0\nvendor_id\t: ${vendor}\ncpu family\t: 25\nflags\t\t: fpu sse2 avx2 fma ${flags}\n\nprocessor\t: 1\nvendor_id\t: ${vendor}\n`;
const AVX512 = "avx512f avx512dq avx512ifma avx512cd avx512bw avx512vl";

test("an AMD CPU with AVX-512 (Zen 4 and later) gets BLIS's Skylake-X kernels (id 0)", () => {
  expect(blisArchOverride(cpu("AuthenticAMD", AVX512))).toBe("0");
});

test("BLIS chooses itself on Intel, on AMD without AVX-512, and when cpuinfo is unreadable", () => {
  expect(blisArchOverride(cpu("GenuineIntel", AVX512))).toBeNull();
  expect(blisArchOverride(cpu("AuthenticAMD", ""))).toBeNull();
  expect(blisArchOverride(cpu("AuthenticAMD", "avx512f avx512dq"))).toBeNull();
  expect(blisArchOverride("")).toBeNull();
});
