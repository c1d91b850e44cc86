/**
 * The encoder windows of a growing recording: a completed window is encoded once,
 * the window still filling every time, only the last `keep` completed windows stay,
 * and the recording forgets the samples of completed windows.
 */
import { describe, expect, test } from "bun:test";
import { mx, type Tensor } from "../../../src/engine/mlx";
import { toFloat32Array } from "../../../src/engine/transfer";
import { EncoderWindows } from "../../../src/pipeline/live/encoder-windows";
import { Recording } from "../../../src/pipeline/live/recording";

/** One row per 100 samples holding the first sample's value; records the spans encoded. */
function fakeEncoder() {
  const calls: number[][] = [];
  const embed = (samples: Tensor): Tensor => {
    const values = toFloat32Array(samples);
    calls.push([values[0]!, values.length]);
    const rows = Math.floor(values.length / 100);
    return mx.array(Array.from({ length: rows }, (_, i) => [values[i * 100]!]), mx.float32);
  };
  return { calls, embed };
}

/** Samples whose value is their index in the recording. */
function ramp(from: number, count: number): Float32Array {
  return Float32Array.from({ length: count }, (_, i) => from + i);
}

describe("encoder windows", () => {
  test("completed windows are encoded once, the filling one each time; the oldest beyond `keep` are let go", () => {
    const recording = new Recording("test");
    const { calls, embed } = fakeEncoder();
    const windows = new EncoderWindows(recording, embed, 1000, 2);
    recording.append(ramp(0, 600), 16000);
    expect(toFloat32Array(windows.rows(600)!.reshape([-1]))).toEqual(Float32Array.from([0, 100, 200, 300, 400, 500]));
    recording.append(ramp(600, 900), 16000);
    expect(windows.rows(1500)!.shape).toEqual([15, 1]);
    expect(calls).toEqual([[0, 600], [0, 1000], [1000, 500]]);
    recording.append(ramp(1500, 2000), 16000);
    const rows = toFloat32Array(windows.rows(3500)!.reshape([-1]));
    // Windows [1000, 2000) and [2000, 3000) kept, [0, 1000) let go, then the filling [3000, 3500).
    expect(rows[0]).toBe(1000);
    expect(rows.length).toBe(25);
    expect(rows[rows.length - 1]).toBe(3400);
    expect(calls.slice(3)).toEqual([[1000, 1000], [2000, 1000], [3000, 500]]);
    expect(windows.contextStartSeconds).toBe(1000 / 16000);
    expect(() => recording.slice(2999, 3500)).toThrow(RangeError);
    expect(recording.slice(3000, 3002)).toEqual(Float32Array.from([3000, 3001]));
  });

  test("input at another rate is resampled as it comes, the tail at the end", () => {
    const recording = new Recording("test");
    for (let i = 0; i < 10; i++) recording.append(new Float32Array(800), 8000);
    recording.close();
    expect(recording.end).toBe(16000);
  });
});
