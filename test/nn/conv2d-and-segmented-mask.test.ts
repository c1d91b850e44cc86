/** The CPU's 2-D convolution as a product over patches equals the engine's conv2d; segmented masks keep attention inside blocks. */
import { expect, test } from "bun:test";
import { mx } from "../../src/engine/mlx";
import { blockDiagonalMask, segmentedMask } from "../../src/nn/attention";
import { conv2d } from "../../src/nn/conv-stem";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

test("conv2d over gathered patches equals the engine's conv2d (strides 1 and 2, padding 0 and 1, odd sizes)", () => {
  const key = mx.random.key(7);
  for (const [stride, padding, h, w, cin, cout] of [
    [2, 1, 9, 7, 5, 4],
    [1, 1, 6, 5, 3, 2],
    [2, 0, 8, 8, 1, 6],
    [1, 0, 5, 9, 4, 4],
  ] as const) {
    const x = mx.random.normal([2, h, w, cin], mx.float32, 0, 1, key);
    const weight = mx.random.normal([cout, 3, 3, cin], mx.float32, 0, 1, mx.random.split(key, 2).index(1));
    const expected = mx.conv2d(x, weight, stride, padding);
    const actual = conv2d(x, weight, stride, padding);
    expect(actual.shape).toEqual(expected.shape);
    expect(Number(mx.abs(mx.subtract(actual, expected)).max().item())).toBeLessThan(1e-4);
  }
});

test("segmentedMask: 0 inside each block, −∞ across; one block needs no mask; equal blocks are the block-diagonal mask", () => {
  const mask = segmentedMask([2, 3, 1])!;
  const allowed = (mask.tolist() as number[][]).map((row) => row.map((v) => (v === 0 ? 1 : 0)));
  expect(allowed).toEqual([
    [1, 1, 0, 0, 0, 0],
    [1, 1, 0, 0, 0, 0],
    [0, 0, 1, 1, 1, 0],
    [0, 0, 1, 1, 1, 0],
    [0, 0, 1, 1, 1, 0],
    [0, 0, 0, 0, 0, 1],
  ]);
  expect(segmentedMask([5])).toBeUndefined();
  expect(segmentedMask([4, 4, 2])!.tolist()).toEqual(blockDiagonalMask(10, 4)!.tolist());
});
