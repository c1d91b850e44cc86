import { setDefaultTimeout } from "bun:test";

/**
 * How long a test or hook may take. Tests run real tensor work, compile kernels on
 * first use and spawn the command line on slow, shared machines: with another test
 * run beside it, a 2-core machine took 4.5 minutes for a batch test that needs 20 s
 * alone. A limit is for catching hangs, not for judging speed, so it is generous.
 */
export const SLOW_TEST_MS = 600_000;

/**
 * Every test file calls this at its top: Bun 1.4 keeps setDefaultTimeout for one
 * file only (a preload's call reaches just the first file of a run, oven-sh/bun#43787).
 */
export function allowSlowTests(): void {
  setDefaultTimeout(SLOW_TEST_MS);
}
