/** The memory report's figures for Qwen3-4B against the arithmetic written out here. */
import { expect, test } from "bun:test";
import { decoderWeightBytes, estimateMemory, type MemoryBackend, type WeightBits } from "../../src/cli/memory/estimate";
import { releasedMemoryInputs } from "../../src/cli/memory/inputs";
import { FUNASR_QWEN4B } from "../../src/families/funasr-qwen4b";
import { QWEN3_0_6B, QWEN3_4B, QWEN3_SIZES, qwen3ParameterCounts, type Qwen3Config } from "../../src/models/qwen3-decoder";
import { runCli } from "../helpers/cli";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

const qwen3WeightBytes = (c: Qwen3Config, bits: WeightBits, backend: MemoryBackend) => decoderWeightBytes(QWEN3_SIZES, c, bits, backend);

// Qwen3-4B: embedding 151936×2560 (tied) + 36 layers × (q 4096×2560 + k,v 1024×2560 each + o 2560×4096 + gate,up,down 9728×2560 each)
const EMBEDDING = 151936 * 2560; //                                   388,956,160
const PER_LAYER = 4096 * 2560 * 2 + 1024 * 2560 * 2 + 9728 * 2560 * 3; // 100,925,440
const MATRICES = EMBEDDING + 36 * PER_LAYER; //                       4,022,272,000
const NORMS = 36 * (2 * 2560 + 2 * 128) + 2560; //                          196,096

test("Qwen3-4B parameter counts: 4.02 B, as the spec's shape table adds up", () => {
  expect(qwen3ParameterCounts(QWEN3_4B)).toEqual({ matrices: MATRICES, norms: NORMS });
  expect(MATRICES + NORMS).toBe(4_022_468_096);
});

test("decoder weight bytes: float32, bf16, INT8 and INT4 (group 64, a scale and a bias per group)", () => {
  expect(qwen3WeightBytes(QWEN3_4B, 32, "cpu")).toBe((MATRICES + NORMS) * 4); //            16.09 GB
  expect(qwen3WeightBytes(QWEN3_4B, 16, "metal")).toBe((MATRICES + NORMS) * 2); //          8.04 GB
  // Metal: bf16 scale + bias = 4 bytes per 64 weights = 0.0625 B/weight on top of the codes.
  expect(qwen3WeightBytes(QWEN3_4B, 8, "metal")).toBe(MATRICES * (1 + 4 / 64) + NORMS * 2); // 4.27 GB
  expect(qwen3WeightBytes(QWEN3_4B, 4, "metal")).toBe(MATRICES * (0.5 + 4 / 64) + NORMS * 2); // 2.26 GB
  // CPU: scales and biases upcast to float32 (8 bytes per group).
  expect(qwen3WeightBytes(QWEN3_4B, 4, "cpu")).toBe(MATRICES * (0.5 + 8 / 64) + NORMS * 4); // 2.51 GB
  expect(Math.round(qwen3WeightBytes(QWEN3_4B, 4, "metal") / 1e7) / 100).toBe(2.26);
});

test("KV cache of the longest FunASR-Qwen4B segment: 17 + 500 + 240 positions, grown to 768", () => {
  const inputs = releasedMemoryInputs(FUNASR_QWEN4B, 4, 30);
  expect(inputs.audioFrames).toBe(500); // ceil((1 + (480000 − 400)/160) / 6)
  expect(inputs.maxNewTokens).toBe(240); // 30 s × 8 tokens/s for speech → English
  const estimate = estimateMemory(inputs, "metal");
  expect(estimate.positions).toBe(768);
  expect(estimate.kvCache).toBe(36 * 2 * 8 * 128 * 768 * 2); // layers × (K,V) × kv heads × head dim × positions × bf16 = 113 MB
  expect(estimate.total).toBe(estimate.weights.encoder + estimate.weights.adaptor + estimate.weights.decoder + estimate.kvCache + estimate.activations);
  expect(estimate.weights.encoder).toBe(221_136_992 * 4); // SenseVoiceSmall's encoder: 221.1 M parameters
  expect(estimate.weights.adaptor).toBe(207_734_272 * 4); // the Qwen4B adaptor: 207.7 M parameters
});

test("Qwen3-0.6B: 596 M parameters", () => {
  const { matrices, norms } = qwen3ParameterCounts(QWEN3_0_6B);
  expect(Math.round((matrices + norms) / 1e6)).toBe(596);
});

test("mlx-asr transcribe --memory prints the table and the 16 GB verdict", () => {
  const r = runCli(["transcribe", "--memory", "--quantize", "4"], { MLX_ASR_MODELS: "/nonexistent" });
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/decoder weights\s+2\.26 GB\s+2\.51 GB/);
  expect(r.stdout).toMatch(/KV cache\s+0\.11 GB\s+0\.23 GB/);
  expect(r.stdout).toContain("16 GB Mac: fits a 16 GB Mac");
  const float = runCli(["transcribe", "--memory"], { MLX_ASR_MODELS: "/nonexistent" });
  expect(float.stdout).toMatch(/decoder weights\s+8\.04 GB\s+16\.09 GB/);
});

test("a model whose weights cannot fit the machine's RAM is refused before loading, with exit status 7", async () => {
  const { assertFitsInMemory, residentWeightBytes } = await import("../../src/pipeline/memory-check");
  const { locateModelFiles } = await import("../../src/pipeline/model-files");
  const { tinyModel } = await import("../helpers/tiny-model");
  const { MemoryBudgetError, EXIT_STATUS } = await import("../../src/errors");
  const files = locateModelFiles(await tinyModel("funasr-qwen4b"));
  const bytes = residentWeightBytes(files);
  // The tiny decoder's bf16 embedding (151936 × 64) alone is 38.9 MB once upcast to float32 on the CPU.
  expect(bytes).toBeGreaterThan(151936 * 64 * 4);
  expect(() => assertFitsInMemory(files, undefined, bytes)).toThrow(MemoryBudgetError);
  expect(() => assertFitsInMemory(files, undefined, bytes * 2)).not.toThrow();
  expect(EXIT_STATUS.memory_budget).toBe(7);
});
