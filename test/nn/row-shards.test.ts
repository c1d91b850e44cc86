/**
 * Single-row products split by rows across the engine's streams: only where the
 * BLAS does not already run them on every core (float weights go through the
 * BLAS, quantized ones through the engine's own kernels), and a split product
 * equals the whole one.
 */
import { describe, expect, test } from "bun:test";
import { blasThreadsVectorProducts } from "../../src/engine/blas";
import { mx } from "../../src/engine/mlx";
import { rowParallelStreams } from "../../src/engine/streams";
import { Linear, QuantizedLinear } from "../../src/nn/linear";
import { ParamCursor } from "../../src/nn/module";
import { shardRows } from "../../src/nn/row-shards";

const key = mx.random.key(3);
const weight = mx.random.normal([1024, 512], mx.float32, 0, 0.05, key);
const row = mx.random.normal([1, 1, 512], mx.float32, 0, 1, mx.random.key(4));
const streams = rowParallelStreams().length;

describe("row shards", () => {
  test("float products are split only when the BLAS does not thread them; the engine's are split whenever there are streams", () => {
    expect(shardRows([weight], "blas") === null).toBe(blasThreadsVectorProducts() || streams < 2);
    expect(shardRows([weight], "engine") === null).toBe(streams < 2);
  });

  test("matrices below 512 rows stay whole", () => {
    expect(shardRows([weight.index(mx.Slice(0, 511))], "engine")).toBeNull();
  });

  test("a single row through the split form equals the whole product", () => {
    const linear = new Linear(weight, mx.random.normal([1024], mx.float32, 0, 1, key));
    const whole = linear.call(row, new ParamCursor(linear.params));
    expect(mx.arrayEqual(linear.forward(row), whole).item()).toBe(true);
    const quantized = QuantizedLinear.fromFloat(weight, { groupSize: 64, bits: 8 });
    const quantizedWhole = quantized.call(row, new ParamCursor(quantized.params));
    expect(quantized.row.params.length).toBe(streams >= 2 ? 3 * streams : 3);
    expect(mx.arrayEqual(quantized.forward(row), quantizedWhole).item()).toBe(true);
  });
});
