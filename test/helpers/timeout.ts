import { setDefaultTimeout } from "bun:test";

/**
 * Tests run real tensor work, compile kernels on first use and spawn the command
 * line on slow, shared CI machines; Bun's 5 s default is too tight. Every test
 * file calls this at its top: Bun 1.4 keeps setDefaultTimeout for one file only
 * (a preload's call reaches just the first file of a run, oven-sh/bun#43787).
 */
export function allowSlowTests(): void {
  setDefaultTimeout(120_000);
}
