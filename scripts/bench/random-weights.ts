/** Random weights made in memory, under canonical names, for benchmarks that need no files. */
import { mx, type Tensor } from "../../src/engine/mlx";
import { CheckpointIndex } from "../../src/engine/weights";
import { NetworkWeights } from "../../src/nn/network";
import { defaultStd } from "../synthetic/checkpoint";

/** Random weights for `shapes` (norm weights near 1), reproducible from `seed`. */
export function randomWeights(shapes: Map<string, number[]>, seed: number): NetworkWeights {
  let key = mx.random.key(seed);
  const tensors: Record<string, Tensor> = {};
  const entries = new Map<string, { shape: number[]; dtype: string; file: string }>();
  for (const [name, shape] of shapes) {
    const keys = mx.random.split(key, 2);
    key = keys.index(0);
    const noise = mx.multiply(mx.random.normal(shape, mx.float32, 0, 1, keys.index(1)), defaultStd(shape));
    tensors[name] = /norm/.test(name) && shape.length === 1 ? mx.add(noise, 1) : noise;
    entries.set(name, { shape, dtype: "F32", file: "random" });
  }
  return new NetworkWeights(new CheckpointIndex(["random"], entries), tensors);
}
