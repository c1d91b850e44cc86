import { expect, test } from "bun:test";
import { centeredPowerSpectrogram, periodicHann, reflectPad } from "../../../src/audio/features/stft";
import { mx } from "../../../src/engine/mlx";
import { allowSlowTests } from "../../helpers/timeout";

allowSlowTests();

test("reflect padding mirrors about the edge samples without repeating them", () => {
  const padded = reflectPad(mx.array([[1, 2, 3, 4, 5]], mx.float32), 2);
  expect(padded.tolist()).toEqual([[3, 2, 1, 2, 3, 4, 5, 4, 3]]);
  // The widest mirror torch allows: width = length − 1.
  expect(reflectPad(mx.array([[1, 2, 3]], mx.float32), 2).tolist()).toEqual([[3, 2, 1, 2, 3, 2, 1]]);
  expect(() => reflectPad(mx.array([[1, 2]], mx.float32), 2)).toThrow(RangeError);
});

test("the Hann window is periodic (torch.hann_window default)", () => {
  const w = periodicHann(4).tolist() as number[];
  expect(w[0]).toBe(0);
  expect(w[1]).toBeCloseTo(0.5, 7);
  expect(w[2]).toBe(1);
  expect(w[3]).toBeCloseTo(0.5, 7);
});

test("a constant signal puts (Σw)² in bin 0 and (Σw/2)² in bin 1, nothing elsewhere", () => {
  const power = centeredPowerSpectrogram(mx.ones([1, 1600]), 400, 160, 11);
  expect(power.shape).toEqual([1, 11, 201]);
  const frame = power.index(0, 5).tolist() as number[];
  expect(frame[0]! / 200 ** 2).toBeCloseTo(1, 5);
  expect(frame[1]! / 100 ** 2).toBeCloseTo(1, 5);
  expect(Math.max(...frame.slice(2))).toBeLessThan(1e-6);
});
