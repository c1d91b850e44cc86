import { expect, test } from "bun:test";
import { summarizeLive, type LivePass } from "../../../scripts/bench/live-run";
import { DEFAULT_LIVE } from "../../../src/pipeline/live/live-settings";

test("the chunk summary leaves out the last pass and gives median, worst and where", () => {
  const pass = (index: number, processingMs: number, final = false): LivePass => ({
    index,
    audioSeconds: 2 * (index + 1),
    newSeconds: 2,
    processingMs,
    encoderMs: 100,
    prefillMs: processingMs - 200,
    decodeMs: 100,
    promptPositions: 50 + index,
    reusedPositions: 40,
    tokens: 1,
    realTimeFactor: 0.5 + index,
    cpuMs: processingMs / 2,
    final,
  });
  const summary = summarizeLive({ settings: DEFAULT_LIVE, passes: [pass(0, 900), pass(1, 1500), pass(2, 1100), pass(3, 9000, true)] });
  expect(summary.chunks).toBe(3);
  expect(summary.wallMs).toEqual({ median: 1100, worst: 1500, worstChunk: 2 });
  expect(summary.cpuMs).toEqual({ median: 550, worst: 750, worstChunk: 2 });
  expect(summary.prefilledPositions).toEqual({ median: 11, worst: 12, worstChunk: 3 });
  expect(summary.realTimeFactor).toBe(3.5);
});
