/**
 * The CPU's written-out attention equals the engine's fused one (GQA, every mask
 * shape the networks pass); a fused projection's contiguous parts equal the split
 * of its one product; a bias inside the product (addmm) equals one added after.
 */
import { expect, test } from "bun:test";
import { mx, type Tensor } from "../../src/engine/mlx";
import { attend, causalMask, keyPaddingMask, segmentedMask } from "../../src/nn/attention";
import { conv2d } from "../../src/nn/conv-stem";
import { Linear } from "../../src/nn/linear";
import { ParamCursor } from "../../src/nn/module";
import { ProjectionGroup } from "../../src/nn/projection-group";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

const maxDiff = (a: Tensor, b: Tensor) => Number(mx.max(mx.abs(mx.subtract(a, b))).item());
const normal = (shape: number[], seed: number) => mx.random.normal(shape, mx.float32, 0, 1, mx.random.key(seed));

test("attention over several queries equals the engine's: GQA with causal, cache-capacity, key-padding and segmented masks, and none", () => {
  const q = normal([2, 8, 12, 16], 1);
  const k = normal([2, 4, 12, 16], 2);
  const v = normal([2, 4, 12, 16], 3);
  const buffer = (t: Tensor) => mx.concatenate([t, normal([2, 4, 4, 16], 9)], 2);
  const cases: [string, Tensor, Tensor, Tensor | undefined][] = [
    ["none", k, v, undefined],
    ["causal", k, v, causalMask(12, 0)],
    ["causal over a buffer with spare capacity", buffer(k), buffer(v), causalMask(12, 0, mx.float32, 16)],
    ["key padding", k, v, keyPaddingMask([12, 7], 12)],
    ["segmented", k, v, segmentedMask([5, 7])],
  ];
  for (const [name, keys, values, mask] of cases) {
    // The reference repeats each key head for its queries (the engine's own GQA path cannot take a [B, 1, 1, S] mask).
    const [kr, vr] = [mx.repeat(keys, 2, 1), mx.repeat(values, 2, 1)];
    const expected = mask ? mx.fast.scaledDotProductAttention(q, kr, vr, 0.25, mask) : mx.fast.scaledDotProductAttention(q, kr, vr, 0.25);
    const actual = attend(q, keys, values, 0.25, mask);
    expect(actual.shape, name).toEqual([2, 8, 12, 16]);
    expect(maxDiff(actual, expected), name).toBeLessThan(1e-5);
  }
});

test("a fused projection's parts are contiguous products equal to the split of its one product, with and without bias", () => {
  const x = normal([1, 6, 10], 4);
  for (const biased of [false, true]) {
    const parts = [12, 4, 4].map((out, i) => new Linear(normal([out, 10], 10 + i), biased ? normal([out], 20 + i) : undefined));
    const group = ProjectionGroup.of(parts);
    const outputs = group.call(x, new ParamCursor(group.params));
    expect(outputs.map((o) => o.shape)).toEqual([[1, 6, 12], [1, 6, 4], [1, 6, 4]]);
    outputs.forEach((output, i) => {
      const alone = mx.add(mx.matmul(x, parts[i]!.weight.T), parts[i]!.bias ?? 0);
      expect(maxDiff(output, alone)).toBeLessThan(1e-5);
    });
  }
});

test("a bias inside the product (Linear, the CPU convolution) equals the bias added after", () => {
  const x = normal([2, 5, 8], 5);
  const linear = new Linear(normal([3, 8], 6), normal([3], 7));
  expect(maxDiff(linear.forward(x), mx.add(mx.matmul(x, linear.weight.T), linear.bias!))).toBeLessThan(1e-5);
  const image = normal([1, 7, 6, 3], 8);
  const weight = normal([4, 3, 3, 3], 9);
  const bias = normal([4], 10);
  expect(maxDiff(conv2d(image, weight, 2, 1, bias), mx.add(mx.conv2d(image, weight, 2, 1), bias))).toBeLessThan(1e-4);
});
