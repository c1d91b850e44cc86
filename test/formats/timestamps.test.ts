import { describe, expect, test } from "bun:test";
import { formatTimestamp } from "../../src/formats/timestamps";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

describe("formatTimestamp", () => {
  test.each([
    [0, "00:00:00,000"],
    [1.5, "00:00:01,500"],
    [1.9996, "00:00:02,000"],
    [1.9994, "00:00:01,999"],
    [0.0005, "00:00:00,001"],
    [59.9996, "00:01:00,000"],
    [3599.9996, "01:00:00,000"],
    [3725.25, "01:02:05,250"],
    [86399.999, "23:59:59,999"],
    [360000, "100:00:00,000"],
    [-0.0004, "00:00:00,000"],
  ])("%p s in SubRip is %p", (seconds, expected) => {
    expect(formatTimestamp(seconds, "srt")).toBe(expected);
  });

  test("WebVTT separates the milliseconds with a dot", () => {
    expect(formatTimestamp(3725.25, "vtt")).toBe("01:02:05.250");
    expect(formatTimestamp(1.9996, "vtt")).toBe("00:00:02.000");
  });

  test.each([-0.002, Number.NaN, Number.POSITIVE_INFINITY])("%p s is refused", (seconds) => {
    expect(() => formatTimestamp(seconds, "srt")).toThrow(RangeError);
  });
});
