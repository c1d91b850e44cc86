/**
 * `mlx-asr quantize`: a model folder whose decoder is stored quantized
 * (mlx-community layout), equal to quantizing at load, with the audio parts float.
 */
import { beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXIT_STATUS } from "../../src/errors";
import { mx } from "../../src/engine/mlx";
import { readSafetensorsHeader } from "../../src/engine/safetensors";
import { Qwen3Decoder } from "../../src/models/qwen3-decoder";
import { Transcriber } from "../../src/pipeline/transcriber";
import { makeTinyModel } from "../../scripts/make-tiny-model";
import { SPEECH_ZH } from "../helpers/audio";
import { runCli } from "../helpers/cli";
import { allowSlowTests, SLOW_TEST_MS } from "../helpers/timeout";

allowSlowTests();

const work = mkdtempSync(join(tmpdir(), "mlx-asr-quantize-"));
const source = join(work, "wide");
const out = join(work, "wide-int8");

beforeAll(async () => {
  // 512 wide: the engine's quantized kernels need at least 512 input features.
  await makeTinyModel(source, { decoderWidth: 512 });
}, SLOW_TEST_MS);

test("quantize --bits 8 writes the layout, a quantized decoder and float audio parts", async () => {
  const r = runCli(["quantize", source, out, "--bits", "8"]);
  expect(r.stderr.split("\n").filter((l) => l.includes("error"))).toEqual([]);
  expect(r.status).toBe(0);
  expect(readdirSync(out).sort()).toEqual(["adaptor", "decoder", "encoder", "family.json", "frontend"]);
  const config = JSON.parse(readFileSync(join(out, "decoder", "config.json"), "utf8"));
  expect(config.quantization).toEqual({ group_size: 64, bits: 8, mode: "affine" });
  const header = readSafetensorsHeader(join(out, "decoder", "model.safetensors"));
  expect(header.tensors.get("model.layers.0.mlp.down_proj.weight")).toMatchObject({ dtype: "U32", shape: [512, 256] });
  expect(header.tensors.get("model.layers.0.mlp.down_proj.scales")).toMatchObject({ dtype: "BF16", shape: [512, 16] });
  expect(header.tensors.get("model.embed_tokens.scales")!.shape).toEqual([151936, 8]);
  expect(header.tensors.get("model.norm.weight")!.dtype).toBe("BF16");
  expect(readSafetensorsHeader(join(out, "encoder", "model.safetensors")).tensors.get("encoder.after_norm.weight")!.dtype).toBe("F32");

  const stored = await Qwen3Decoder.load(join(out, "decoder"));
  const atLoad = await Qwen3Decoder.load(join(source, "decoder"), { quantizeBits: 8 });
  const ids = mx.array([[151644, 872, 198, 105761, 46670, 61443, 5122]], mx.int32);
  const a = stored.forward(stored.embed(ids), stored.newCache(), { allPositions: true });
  const b = atLoad.forward(atLoad.embed(ids), atLoad.newCache(), { allPositions: true });
  expect(Number(mx.abs(mx.subtract(a, b)).max().item())).toBe(0);

  const fromQuantized = await (await Transcriber.load(out)).transcribe(SPEECH_ZH);
  const quantizedAtLoad = await (await Transcriber.load(source, { quantizeBits: 8 })).transcribe(SPEECH_ZH);
  expect(fromQuantized.text).toBe(quantizedAtLoad.text);
}, SLOW_TEST_MS);

test("quantizing into a non-empty folder, twice, or with bad bits is refused", () => {
  expect(runCli(["quantize", source, out, "--bits", "4"]).status).toBe(EXIT_STATUS.usage);
  expect(runCli(["quantize", out, join(work, "again"), "--bits", "4"]).status).toBe(EXIT_STATUS.config);
  expect(runCli(["quantize", source, join(work, "x"), "--bits", "5"]).status).toBe(EXIT_STATUS.usage);
});
