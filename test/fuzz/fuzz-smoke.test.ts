/**
 * A CI-sized fuzz run: a few hundred mutated inputs over every parser that reads
 * untrusted bytes, fixed seed, each case ending in a result or a typed error,
 * within its time limit, leaving no file. `bun run fuzz --cases 10000` is the
 * full run; a failure here prints the case to replay with `--case`.
 */
import { expect, test } from "bun:test";
import { runFuzz } from "../../scripts/fuzz/harness";
import { formatReport, summarize } from "../../scripts/fuzz/report";
import { TARGET_NAMES } from "../../scripts/fuzz/target-names";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

const CASES = 600;
const SEED = 20261201;

test(`${CASES} fuzz cases (seed ${SEED}) end in results or typed errors`, async () => {
  // A generous limit per case: the machine may be busy, and a hang still shows as a failure.
  const run = await runFuzz({ cases: CASES, seed: SEED, timeoutMs: 20_000, workers: 1 });
  const failures = run.results.filter((r) => r.outcome.kind === "failure");
  if (failures.length > 0) console.error(formatReport(run.results, run.seconds, SEED));
  expect(failures.map((f) => `case ${f.index} [${f.target}]`)).toEqual([]);
  expect(run.results.map((r) => r.index)).toEqual(Array.from({ length: CASES }, (_, i) => i));
  const summary = summarize(run.results);
  expect(summary.map((s) => s.target)).toEqual([...TARGET_NAMES]);
  for (const s of summary) {
    expect([s.target, s.cases]).toEqual([s.target, CASES / TARGET_NAMES.length]);
    // Every parser both accepted some mutants and refused some with a typed error.
    expect([s.target, s.ok > 0, s.typed > 0]).toEqual([s.target, true, true]);
  }
});
