/**
 * Writing checkpoints of random weights with given names and shapes: for tests
 * that load the real layouts, the benchmark's real-shape models and the tiny
 * end-to-end model. Large checkpoints are written as HF shards with an index, one
 * shard in memory at a time.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { mx, type Dtype, type Tensor } from "../../src/engine/mlx";
import { saveSafetensors } from "../../src/engine/safetensors";
import { releaseMemory } from "../../src/runtime";

export interface TensorPlan {
  readonly name: string;
  readonly shape: readonly number[];
  /** "normal": N(0, std²); "norm": 1 + N(0, std²) (norm weights); "zeros". */
  readonly init: "normal" | "norm" | "zeros";
  readonly std?: number;
}

export type StoredDtype = "float32" | "float16" | "bfloat16";

const DTYPES: Record<StoredDtype, { dtype: Dtype; bytes: number }> = {
  float32: { dtype: mx.float32, bytes: 4 },
  float16: { dtype: mx.float16, bytes: 2 },
  bfloat16: { dtype: mx.bfloat16, bytes: 2 },
};

export interface WriteOptions {
  readonly dtype?: StoredDtype;
  readonly seed?: number;
  /** Shard when the total exceeds this many bytes (HF naming + model.safetensors.index.json). */
  readonly shardBytes?: number;
  readonly fileName?: string;
}

/** Weight std for a matrix: small enough that activations stay bounded through many layers. */
export function defaultStd(shape: readonly number[]): number {
  return shape.length >= 2 ? 1 / Math.sqrt(shape[shape.length - 1]!) : 0.02;
}

function materialize(plan: TensorPlan, dtype: Dtype, key: Tensor): Tensor {
  const shape = [...plan.shape];
  if (plan.init === "zeros") return mx.zeros(shape, dtype);
  const noise = mx.multiply(mx.random.normal(shape, mx.float32, 0, 1, key), plan.std ?? defaultStd(plan.shape));
  return (plan.init === "norm" ? mx.add(noise, 1) : noise).astype(dtype);
}

/** Writes the planned tensors into `dir`; returns the files written. */
export async function writeCheckpoint(dir: string, plans: readonly TensorPlan[], options: WriteOptions = {}): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const { dtype, bytes } = DTYPES[options.dtype ?? "float32"];
  const size = (p: TensorPlan) => p.shape.reduce((a, b) => a * b, 1) * bytes;
  const total = plans.reduce((s, p) => s + size(p), 0);
  const shardBytes = options.shardBytes ?? Infinity;
  const shards: TensorPlan[][] = [[]];
  let current = 0;
  for (const plan of plans) {
    if (current > 0 && current + size(plan) > shardBytes) {
      shards.push([]);
      current = 0;
    }
    shards[shards.length - 1]!.push(plan);
    current += size(plan);
  }
  let key = mx.random.key(options.seed ?? 0);
  const files: string[] = [];
  const weightMap: Record<string, string> = {};
  for (let s = 0; s < shards.length; s++) {
    const name = shards.length === 1 ? (options.fileName ?? "model.safetensors") : `model-${String(s + 1).padStart(5, "0")}-of-${String(shards.length).padStart(5, "0")}.safetensors`;
    const tensors: Record<string, Tensor> = {};
    for (const plan of shards[s]!) {
      const keys = mx.random.split(key, 2);
      key = keys.index(0);
      tensors[plan.name] = materialize(plan, dtype, keys.index(1));
      weightMap[plan.name] = name;
    }
    mx.eval(...Object.values(tensors));
    const path = join(dir, name);
    saveSafetensors(path, tensors, { format: "pt" });
    files.push(path);
    await releaseMemory();
  }
  if (shards.length > 1) {
    writeFileSync(join(dir, "model.safetensors.index.json"), JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2));
  }
  return files;
}

/** Plans for a name → shape map, with norm-like tensors (LayerNorm/RMSNorm weights) initialized near 1. */
export function plansFor(shapes: ReadonlyMap<string, readonly number[]>, prefix = ""): TensorPlan[] {
  return [...shapes].map(([name, shape]) => {
    const isNormWeight = /(norm[12]?|_norm|layernorm|norm)\.weight$/.test(name) && shape.length === 1;
    const isBias = name.endsWith(".bias") || name.endsWith("_bias");
    return { name: prefix + name, shape, init: isNormWeight ? "norm" : isBias ? "normal" : "normal", std: isNormWeight ? 0.05 : isBias ? 0.02 : undefined };
  });
}
