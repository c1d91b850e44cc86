/**
 * Weights holding NaN: each part's damage is found by its first output and
 * reported as one line that names the part's file, with the model-files exit
 * status — never a transcript of "!!!!".
 */
import { afterAll, expect, test } from "bun:test";
import { cpSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readSafetensorsHeader } from "../../src/engine/safetensors";
import { EXIT_STATUS } from "../../src/errors";
import { runCli } from "../helpers/cli";
import { familyFile } from "../helpers/family-fixtures";
import { tinyModel } from "../helpers/tiny-model";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

const ZH_WAV = join(import.meta.dir, "..", "fixtures", "audio", "zh_16k.wav");
const NAN_BYTES: Record<string, number[]> = { F32: [0x00, 0x00, 0xc0, 0x7f], BF16: [0xc0, 0x7f], F16: [0x00, 0x7e] };

const scratch = mkdtempSync(join(tmpdir(), "mlx-asr-corrupt-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Overwrites the first value of `tensor` in the safetensors file with NaN, as a damaged download would. */
function poison(file: string, tensor: string): void {
  const header = readSafetensorsHeader(file);
  const entry = header.tensors.get(tensor);
  if (!entry) throw new Error(`${file} has no ${tensor}`);
  const bytes = readFileSync(file);
  const dataStart = 8 + Number(bytes.readBigUInt64LE(0));
  bytes.set(NAN_BYTES[entry.dtype]!, dataStart + entry.begin);
  writeFileSync(file, bytes);
}

function copyOf(dir: string, name: string): string {
  const copy = join(scratch, name);
  cpSync(dir, copy, { recursive: true });
  return copy;
}

test.each([
  ["encoder", "encoder/model.safetensors", "encoder.encoders.0.feed_forward.w_1.weight"],
  ["adaptor", "adaptor/model.safetensors", null],
  ["decoder", "decoder/model.safetensors", "model.layers.0.mlp.down_proj.weight"],
] as const)("a NaN in the %s's weights: one line naming its file, exit status 4", async (role, file, tensor) => {
  const model = copyOf(await tinyModel("funasr-qwen4b"), `qwen4b-${role}`);
  const path = join(model, file);
  poison(path, tensor ?? [...readSafetensorsHeader(path).tensors.keys()].find((n) => n.endsWith("weight"))!);
  const r = runCli(["transcribe", "--model", model, ZH_WAV]);
  expect(r.status).toBe(EXIT_STATUS.model_files);
  expect(r.stdout).toBe("");
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).toContain(path);
  expect(r.stderr).toContain(`the ${role} computes NaN or infinite values from finite input: its weights are corrupt`);
});

test("the same model unharmed transcribes (the check does not fire on healthy weights)", async () => {
  const r = runCli(["transcribe", "--model", await tinyModel("funasr-qwen4b"), ZH_WAV]);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
});

test("a NaN in a non-autoregressive recognizer's encoder is found the same way", () => {
  const model = copyOf(familyFile("paraformer-zh", "model"), "paraformer");
  rmSync(join(model, "model.pt"));
  const path = join(model, "model.safetensors");
  poison(path, "encoder.encoders0.0.feed_forward.w_1.weight");
  const r = runCli(["transcribe", "--model", model, ZH_WAV]);
  expect(r.status).toBe(EXIT_STATUS.model_files);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).toContain(path);
  expect(r.stderr).toContain("the encoder computes NaN");
});
