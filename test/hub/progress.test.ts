/** The progress renderer (bytes and files) and the in-place / plain-line display. */
import { describe, expect, test } from "bun:test";
import { formatBytes, formatDuration, ProgressLine, renderProgress, type ProgressStream } from "../../src/cli/progress";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

describe("renderProgress", () => {
  test("bytes: bar, percent, amounts, rate and ETA", () => {
    const line = renderProgress({ label: "model", done: 1_530_000_000, total: 3_400_000_000, unit: "bytes", startedAtMs: 1_000, nowMs: 101_000, barWidth: 20 });
    expect(line).toBe("model  [#########...........]   45%  1.5 GB/3.4 GB  15.3 MB/s  ETA 2m02s");
  });

  test("bytes already on disk count as done but not in the rate", () => {
    const line = renderProgress({ label: "m", done: 600_000, total: 1_000_000, doneAtStart: 500_000, unit: "bytes", startedAtMs: 0, nowMs: 10_000, barWidth: 10 });
    expect(line).toBe("m  [######....]   60%  600.0 kB/1.0 MB  10.0 kB/s  ETA 40s");
  });

  test("files: time per file and an ETA from the average", () => {
    const line = renderProgress({ label: "batch", done: 3, total: 10, unit: "files", startedAtMs: 0, nowMs: 30_000, barWidth: 10 });
    expect(line).toBe("batch  [###.......]   30%  3/10 files  10.0 s/file  ETA 1m10s");
  });

  test("nothing done yet: no rate, unknown ETA; all done: no ETA", () => {
    expect(renderProgress({ label: "x", done: 0, total: 5, unit: "files", startedAtMs: 0, nowMs: 0, barWidth: 4 })).toBe("x  [....]    0%  0/5 files  ETA --");
    expect(renderProgress({ label: "x", done: 5, total: 5, unit: "files", startedAtMs: 0, nowMs: 5_000, barWidth: 4 })).toBe("x  [####]  100%  5/5 files  1.0 s/file");
  });

  test("units and durations", () => {
    expect([0, 999, 1_000, 999_999, 12_345_678, 3.4e12].map(formatBytes)).toEqual(["0 B", "999 B", "1.0 kB", "1.0 MB", "12.3 MB", "3.4 TB"]);
    expect([0, 59.4, 192, 3_599, 7_500].map(formatDuration)).toEqual(["0s", "59s", "3m12s", "59m59s", "2h05m"]);
  });
});

function fakeStream(isTTY: boolean): ProgressStream & { written: string[] } {
  const written: string[] = [];
  return { isTTY, columns: 20, written, write: (text: string) => written.push(text) };
}

describe("ProgressLine", () => {
  test("on a terminal: redraws in place, at most every interval, cut to the width", () => {
    const stream = fakeStream(true);
    const line = new ProgressLine(stream, { terminalIntervalMs: 100 });
    line.update("one", 0);
    line.update(() => {
      throw new Error("not rendered: too soon");
    }, 50);
    line.update("a line longer than twenty columns", 150);
    line.finish("done");
    expect(stream.written).toEqual(["\rone\x1b[K", "\ra line longer than \x1b[K", "\rdone\x1b[K", "\n"]);
  });

  test("in a log: plain lines, seldom", () => {
    const stream = fakeStream(false);
    const line = new ProgressLine(stream, { plainIntervalMs: 10_000 });
    line.update("first", 0);
    line.update("skipped", 5_000);
    line.update("second", 10_000);
    line.finish("done");
    expect(stream.written).toEqual(["first\n", "second\n", "done\n"]);
  });

  test("clear erases a terminal line before other output", () => {
    const stream = fakeStream(true);
    const line = new ProgressLine(stream);
    line.update("busy", 0);
    line.clear();
    line.finish();
    expect(stream.written).toEqual(["\rbusy\x1b[K", "\r\x1b[K"]);
  });
});
