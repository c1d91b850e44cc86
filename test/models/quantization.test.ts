/**
 * Decoder quantization on a 512-wide Qwen3 (the engine's quantized kernels need
 * ≥ 512 input features): INT8 at load stays close to float, INT4 runs, and an
 * mlx-community-style quantized checkpoint (weight/scales/biases + config
 * "quantization") gives the same logits as quantizing the float file at load.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mx, type Tensor } from "../../src/engine/mlx";
import { saveSafetensors } from "../../src/engine/safetensors";
import { CheckpointIndex, findWeightFiles, loadCheckpoint } from "../../src/engine/weights";
import { Qwen3ConfigSchema, Qwen3Decoder, qwen3Tensors } from "../../src/models/qwen3-decoder";
import { QuantizedLinear } from "../../src/nn/linear";
import { plansFor, writeCheckpoint } from "../../scripts/synthetic/checkpoint";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

const dir = mkdtempSync(join(tmpdir(), "mlx-asr-quant-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = Qwen3ConfigSchema.parse({
  hidden_size: 512,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  head_dim: 128,
  intermediate_size: 1024,
  vocab_size: 2048,
  tie_word_embeddings: true,
});
const floatDir = join(dir, "float");
const ids = Array.from({ length: 24 }, (_, i) => (i * 37 + 5) % 2048);
let floatLogits: Tensor;

function run(decoder: Qwen3Decoder): Tensor {
  const logits = decoder.forward(decoder.embed(mx.array([ids], mx.int32)), decoder.newCache(), { allPositions: true });
  mx.eval(logits);
  return logits;
}

beforeAll(async () => {
  await writeCheckpoint(floatDir, plansFor(qwen3Tensors(config)), { seed: 3 });
  writeFileSync(join(floatDir, "config.json"), JSON.stringify(config));
  floatLogits = run(await Qwen3Decoder.load(floatDir));
});

function maxAbs(a: Tensor, b: Tensor): number {
  return Number(mx.abs(mx.subtract(a, b)).max().item());
}

function correlation(x: Tensor, y: Tensor): number {
  const a = mx.subtract(x, mx.mean(x));
  const b = mx.subtract(y, mx.mean(y));
  return Number(mx.divide(mx.sum(mx.multiply(a, b)), mx.sqrt(mx.multiply(mx.sum(mx.square(a)), mx.sum(mx.square(b))))).item());
}

// Measured on this seed (float logits: std 1.00, |max| 4.2): INT8 max |Δ| 0.093, mean |Δ| 0.016,
// correlation 0.9998; INT4 correlation 0.935. The bounds leave ~1.5x room over those figures.
test("INT8 at load stays close to float: mean |Δ| ≤ 0.025, max |Δ| ≤ 0.15, correlation ≥ 0.999", async () => {
  const int8 = await Qwen3Decoder.load(floatDir, { quantizeBits: 8 });
  expect(int8.weightBits).toBe(8);
  const logits = run(int8);
  const diff = mx.abs(mx.subtract(logits, floatLogits));
  expect(Number(diff.mean().item())).toBeLessThanOrEqual(0.025);
  expect(Number(diff.max().item())).toBeLessThanOrEqual(0.15);
  expect(correlation(logits, floatLogits)).toBeGreaterThanOrEqual(0.999);
});

test("INT4 at load runs, finite, correlation with float ≥ 0.9", async () => {
  const int4 = await Qwen3Decoder.load(floatDir, { quantizeBits: 4 });
  expect(int4.weightBits).toBe(4);
  const logits = run(int4);
  expect(logits.shape).toEqual([1, ids.length, 2048]);
  expect(Number(mx.isnan(logits).any().item())).toBe(0);
  expect(correlation(logits, floatLogits)).toBeGreaterThanOrEqual(0.9);
});

test("an mlx-community-style quantized checkpoint equals quantizing the float file at load", async () => {
  const index = CheckpointIndex.fromFiles(findWeightFiles(floatDir));
  const tensors = loadCheckpoint(index);
  const quantized: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(tensors)) {
    const isMatrix = name.endsWith(".weight") && t.ndim === 2;
    if (!isMatrix) {
      quantized[name] = t;
      continue;
    }
    const [w, scales, biases] = mx.quantize(t, 64, 8);
    const path = name.slice(0, -".weight".length);
    quantized[`${path}.weight`] = w;
    quantized[`${path}.scales`] = scales;
    quantized[`${path}.biases`] = biases;
  }
  const qDir = join(dir, "mlx-8bit");
  mkdirSync(qDir);
  saveSafetensors(join(qDir, "model.safetensors"), quantized);
  writeFileSync(join(qDir, "config.json"), JSON.stringify({ ...config, quantization: { group_size: 64, bits: 8 }, quantization_config: { group_size: 64, bits: 8 } }));
  const fromFile = await Qwen3Decoder.load(qDir);
  const atLoad = await Qwen3Decoder.load(floatDir, { quantizeBits: 8 });
  expect(maxAbs(run(fromFile), run(atLoad))).toBe(0);
  expect(fromFile.weightBits).toBe(8);
});

// Loading succeeds only if the override is honoured: with 4 bits the 8-bit down_proj would fail the shape check.
test("a per-module override in the quantization config is honoured", async () => {
  const index = CheckpointIndex.fromFiles(findWeightFiles(floatDir));
  const tensors = loadCheckpoint(index);
  const out: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(tensors)) {
    if (!(name.endsWith(".weight") && t.ndim === 2)) {
      out[name] = t;
      continue;
    }
    const bits = name === "model.layers.0.mlp.down_proj.weight" ? 8 : 4;
    const q = QuantizedLinear.fromFloat(t, { groupSize: 64, bits });
    const path = name.slice(0, -".weight".length);
    Object.assign(out, { [`${path}.weight`]: q.weight, [`${path}.scales`]: q.scales, [`${path}.biases`]: q.biases });
  }
  const qDir = join(dir, "mixed");
  mkdirSync(qDir);
  saveSafetensors(join(qDir, "model.safetensors"), out);
  writeFileSync(
    join(qDir, "config.json"),
    JSON.stringify({ ...config, quantization: { group_size: 64, bits: 4, "model.layers.0.mlp.down_proj": { group_size: 64, bits: 8 } } }),
  );
  const logits = run(await Qwen3Decoder.load(qDir));
  expect(Number(mx.isnan(logits).any().item())).toBe(0);
});

test("quantizing an already quantized checkpoint is refused", async () => {
  const qDir = join(dir, "mlx-8bit");
  await expect(Qwen3Decoder.load(qDir, { quantizeBits: 4 })).rejects.toThrow(/already quantized/);
});
