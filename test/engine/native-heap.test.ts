/**
 * The C heap keeps its pages (Linux, glibc): tensors freed between steps are reused
 * by the next step's tensors instead of being faulted in again.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

const PROBE = join(import.meta.dir, "native-heap-probe.ts");

function probe(heap: "kept" | "system"): { policy: string; faults: number } {
  const proc = Bun.spawnSync(["bun", PROBE], { env: { ...process.env, MLX_ASR_NATIVE_HEAP: heap }, stdout: "pipe", stderr: "pipe" });
  expect(proc.stderr.toString()).toBe("");
  expect(proc.exitCode).toBe(0);
  return JSON.parse(proc.stdout.toString()) as { policy: string; faults: number };
}

test.skipIf(process.platform !== "linux")("kept pages: ten prefill-like steps over 1–16 MB tensors fault almost nothing, where glibc's defaults fault every output in", () => {
  const kept = probe("kept");
  const system = probe("system");
  expect(kept.policy).toStartWith("kept pages");
  expect(system.policy).toBe("glibc defaults");
  // Ten steps write ~1.5 GB of outputs (~380,000 pages): kept, they reuse the first step's pages.
  expect(kept.faults).toBeLessThan(2_000);
  expect(system.faults).toBeGreaterThan(20 * kept.faults);
});
