import { expect, test } from "bun:test";
import { frameSignal } from "../../../src/audio/features/framing";
import { mx } from "../../../src/engine/mlx";
import { allowSlowTests } from "../../helpers/timeout";

allowSlowTests();

test("frames of a 1-D signal start every hop samples", () => {
  const frames = frameSignal(mx.arange(10, mx.float32), 4, 3, 3);
  expect(frames.tolist()).toEqual([
    [0, 1, 2, 3],
    [3, 4, 5, 6],
    [6, 7, 8, 9],
  ]);
});

test("a batch is framed per row", () => {
  const frames = frameSignal(mx.arange(14, mx.float32).reshape([2, 7]), 3, 2, 3);
  expect(frames.shape).toEqual([2, 3, 3]);
  expect(frames.index(1).tolist()).toEqual([
    [7, 8, 9],
    [9, 10, 11],
    [11, 12, 13],
  ]);
});

test("frames that run past the signal are refused", () => {
  expect(() => frameSignal(mx.arange(10, mx.float32), 4, 3, 4)).toThrow(RangeError);
});
