/**
 * Models from anywhere: our component layout, Fun-ASR-Nano's released layout
 * (one combined checkpoint + Qwen3-0.6B/), OminiX's Qwen4B layout (renamed
 * SenseVoice keys, adaptor file, models/Qwen3-4B-*), a bare Qwen3 repo (text
 * only), components named by hub id in family.json, and the errors when a
 * folder is none of these.
 */
import { beforeAll, expect, test } from "bun:test";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mx, type Tensor } from "../../src/engine/mlx";
import { saveSafetensors } from "../../src/engine/safetensors";
import { CheckpointIndex, findWeightFiles, loadCheckpoint } from "../../src/engine/weights";
import { ModelFileError, ModelNotFoundError, UsageError } from "../../src/errors";
import type { SenseVoiceEncoderConfig } from "../../src/models/sensevoice-encoder";
import { locateModelFiles } from "../../src/pipeline/model-files";
import { Transcriber } from "../../src/pipeline/transcriber";
import { SPEECH_ZH } from "../helpers/audio";
import { tinyModel } from "../helpers/tiny-model";
import { allowSlowTests, SLOW_TEST_MS } from "../helpers/timeout";

allowSlowTests();

const work = mkdtempSync(join(tmpdir(), "mlx-asr-layouts-"));
let qwen4bDir: string;
let nanoDir: string;

/** The configuration the loader gave a transcriber's encoder. */
function encoderConfigOf(t: Transcriber): SenseVoiceEncoderConfig {
  return t.model.parts.config("encoder") as SenseVoiceEncoderConfig;
}

function tensorsOf(dir: string, prefix = ""): Record<string, Tensor> {
  return loadCheckpoint(CheckpointIndex.fromFiles(findWeightFiles(dir)), prefix);
}

function withPrefix(tensors: Record<string, Tensor>, prefix: string, rename: (n: string) => string = (n) => n): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(tensors).map(([n, t]) => [prefix + rename(n), t]));
}

beforeAll(async () => {
  qwen4bDir = await tinyModel("funasr-qwen4b");
  nanoDir = await tinyModel("fun-asr-nano");
}, SLOW_TEST_MS);

test("our component layout: family.json and the component folders", () => {
  const files = locateModelFiles(qwen4bDir);
  expect(files.family.name).toBe("funasr-qwen4b");
  expect(files.frontendDir).toBe(join(qwen4bDir, "frontend"));
  expect(files.encoder!.configFile).toBe(join(qwen4bDir, "encoder", "config.json"));
  expect(files.tokenizerDir).toBe(join(qwen4bDir, "decoder"));
});

test("Fun-ASR-Nano released layout: model.safetensors with audio_encoder./audio_adaptor./llm. beside Qwen3-0.6B/", async () => {
  const dir = join(work, "Fun-ASR-Nano-2512");
  mkdirSync(join(dir, "Qwen3-0.6B"), { recursive: true });
  saveSafetensors(join(dir, "model.safetensors"), {
    ...withPrefix(tensorsOf(join(nanoDir, "encoder"), "encoder."), "audio_encoder."),
    ...withPrefix(tensorsOf(join(nanoDir, "nano_adaptor"), "audio_adaptor."), "audio_adaptor."),
    ...withPrefix(tensorsOf(join(nanoDir, "decoder")), "llm."),
    "ctc.ctc_lo.weight": mx.zeros([8, 64]),
  });
  for (const f of ["config.json", "tokenizer.json", "tokenizer_config.json"]) cpSync(join(nanoDir, "decoder", f), join(dir, "Qwen3-0.6B", f));
  const files = locateModelFiles(dir);
  expect(files.family.name).toBe("fun-asr-nano");
  expect(files.decoder!.prefix).toBe("llm.");
  const released = await Transcriber.load(dir);
  const r = await released.transcribe(SPEECH_ZH);
  expect(r.durationSeconds).toBeGreaterThan(3);
  // Widths and depths were read off the shapes; the released head count (8, where the tiny model has 4) applies.
  expect(typeof r.text).toBe("string");
}, SLOW_TEST_MS);

test("OminiX Qwen4B layout: sensevoice_iic.safetensors (short names), adaptor_phase2_final.safetensors, models/Qwen3-4B-4bit/", async () => {
  const dir = join(work, "funasr-qwen4b-mlx");
  mkdirSync(join(dir, "models"), { recursive: true });
  const shortNames = (n: string) =>
    n.replace(".self_attn.linear_q_k_v.", ".attn.qkv.").replace(".self_attn.linear_out.", ".attn.out.").replace(".self_attn.fsmn_block.", ".attn.fsmn.").replace(".feed_forward.w_1.", ".ffn.w1.").replace(".feed_forward.w_2.", ".ffn.w2.");
  saveSafetensors(join(dir, "sensevoice_iic.safetensors"), withPrefix(tensorsOf(join(qwen4bDir, "encoder"), "encoder."), "encoder.", shortNames));
  saveSafetensors(join(dir, "adaptor_phase2_final.safetensors"), tensorsOf(join(qwen4bDir, "adaptor")));
  cpSync(join(qwen4bDir, "decoder"), join(dir, "models", "Qwen3-4B-4bit"), { recursive: true });
  const files = locateModelFiles(dir);
  expect(files.family.name).toBe("funasr-qwen4b");
  expect(files.decoder!.dir).toBe(join(dir, "models", "Qwen3-4B-4bit"));
  expect(files.encoder!.prefix).toBe("encoder.");
  const released = await Transcriber.load(dir);
  const ours = await Transcriber.load(qwen4bDir);
  // The tiny adaptor has 4 heads where OminiX's has 8, so only the encoder can be compared exactly.
  expect(encoderConfigOf(released).encoder_conf.num_blocks).toBe(encoderConfigOf(ours).encoder_conf.num_blocks);
  expect((await released.transcribe(SPEECH_ZH)).durationSeconds).toBeGreaterThan(3);
}, SLOW_TEST_MS);

test("a bare Qwen3 repo is a text-only model: translate works, transcribe says why not", async () => {
  const text = await Transcriber.load(join(qwen4bDir, "decoder"));
  expect(text.model.recognizer).toBeNull();
  expect(await text.translate("你好")).toBe(await (await Transcriber.load(qwen4bDir)).translate("你好"));
  await expect(text.transcribe(SPEECH_ZH)).rejects.toThrow(UsageError);
});

test("family.json can name a component by hub id, resolved in the Hugging Face cache", async () => {
  const cache = join(work, "hf-cache");
  const commit = "0123456789abcdef0123456789abcdef01234567";
  const repo = join(cache, "models--test-org--tiny-qwen3");
  mkdirSync(join(repo, "snapshots", commit), { recursive: true });
  mkdirSync(join(repo, "refs"), { recursive: true });
  writeFileSync(join(repo, "refs", "main"), commit);
  cpSync(join(qwen4bDir, "decoder"), join(repo, "snapshots", commit), { recursive: true });
  const dir = join(work, "hub-components");
  mkdirSync(dir);
  for (const part of ["frontend", "encoder", "adaptor"]) symlinkSync(join(qwen4bDir, part), join(dir, part));
  writeFileSync(join(dir, "family.json"), JSON.stringify({ family: "funasr-qwen4b", components: { decoder: "hf:test-org/tiny-qwen3" } }));
  const saved = process.env.HF_HUB_CACHE;
  process.env.HF_HUB_CACHE = cache;
  try {
    const files = locateModelFiles(dir);
    expect(files.decoder!.dir).toBe(join(repo, "snapshots", commit));
    writeFileSync(join(dir, "family.json"), JSON.stringify({ family: "funasr-qwen4b", components: { decoder: "hf:test-org/absent" } }));
    expect(() => locateModelFiles(dir)).toThrow(ModelNotFoundError);
  } finally {
    if (saved === undefined) delete process.env.HF_HUB_CACHE;
    else process.env.HF_HUB_CACHE = saved;
  }
});

test("a folder that is no model, an unknown family, and a missing component are errors naming the folder", () => {
  const empty = join(work, "empty");
  mkdirSync(empty);
  expect(() => locateModelFiles(empty)).toThrow(ModelFileError);
  const bad = join(work, "bad-family");
  mkdirSync(bad);
  writeFileSync(join(bad, "family.json"), JSON.stringify({ family: "whisper-9000" }));
  expect(() => locateModelFiles(bad)).toThrow(/unknown model family "whisper-9000"/);
  const partial = join(work, "partial");
  mkdirSync(partial);
  writeFileSync(join(partial, "family.json"), readFileSync(join(qwen4bDir, "family.json")));
  expect(() => locateModelFiles(partial)).toThrow(/component folder does not exist/);
});
