/**
 * GLM-ASR-Nano against the reference tensors (transformers 5.18's `glmasr` at tiny
 * widths) through `inspect`: every stage from its stored input and from the WAV,
 * the prefill and KV-cached greedy steps over the stored prompt, the original
 * (pre-transformers) layout of the same weights giving the same rows and logits
 * with its interleaved RoPE order, and a right-padded batch whose members equal
 * their lone runs.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run as inspect } from "../../src/cli/inspect/command";
import { mx, type Tensor } from "../../src/engine/mlx";
import { loadSafetensors, saveSafetensors } from "../../src/engine/safetensors";
import { runCli } from "../helpers/cli";
import { difference } from "../helpers/compare";
import { familyFile, familyStage, familyUtterances, type FamilyUtterance } from "../helpers/family-fixtures";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

const MODEL = familyFile("glm-asr-nano", "model");
const UTTERANCES = familyUtterances("glm-asr-nano");
const out = mkdtempSync(join(tmpdir(), "mlx-asr-glm-asr-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));
let written = 0;

async function stageFile(name: string, args: string[], model = MODEL): Promise<string> {
  const file = join(out, `${written++}.safetensors`);
  expect(await inspect([name, "--model", model, ...args, "--out", file])).toBe(0);
  return file;
}

async function stage(name: string, args: string[], model = MODEL): Promise<Record<string, Tensor>> {
  return loadSafetensors(await stageFile(name, args, model));
}

const stored = (u: FamilyUtterance, name: string) => join(u.dir, `${name}.safetensors`);
const maxDiff = (actual: Tensor, expected: Tensor) => difference(actual.reshape(expected.shape), expected).maxAbs;
const greedyTokens = (u: FamilyUtterance) => (JSON.parse(readFileSync(join(u.dir, "greedy.json"), "utf8")) as { greedy_tokens: number[] }).greedy_tokens;

/** The same weights in the original layout (`model.legacy_layout.safetensors`) with the original config's field names. */
function originalLayoutFolder(name = "original"): string {
  const dir = join(out, name);
  mkdirSync(dir);
  const config = JSON.parse(readFileSync(join(MODEL, "config.json"), "utf8")) as { audio_config: Record<string, number>; text_config: Record<string, unknown> };
  const audio = config.audio_config;
  const whisper = {
    d_model: audio.hidden_size,
    encoder_layers: audio.num_hidden_layers,
    encoder_attention_heads: audio.num_attention_heads,
    encoder_ffn_dim: audio.intermediate_size,
    num_mel_bins: audio.num_mel_bins,
    max_source_positions: audio.max_position_embeddings,
  };
  writeFileSync(join(dir, "config.json"), JSON.stringify({ model_type: "glmasr", whisper_config: whisper, lm_config: config.text_config, merge_factor: 4, use_rope: true }));
  copyFileSync(join(MODEL, "model.legacy_layout.safetensors"), join(dir, "model.safetensors"));
  for (const file of ["tokenizer.json", "tokenizer_config.json"]) copyFileSync(join(MODEL, file), join(dir, file));
  return dir;
}

describe.each(UTTERANCES)("$id", (u) => {
  test("each stage from its stored input: features 1e-4, encoder and adaptor 1e-4", async () => {
    const features = await stage("features", ["--input", stored(u, "waveform")]);
    expect(maxDiff(features.features!, familyStage(u, "features").features!)).toBeLessThanOrEqual(1e-4);
    expect(features.lengths!.tolist()).toEqual(familyStage(u, "features").lengths!.tolist());
    const encoded = await stage("encoder", ["--input", stored(u, "features")]);
    expect(maxDiff(encoded.encoder_out!, familyStage(u, "encoder_out").encoder_out!)).toBeLessThanOrEqual(1e-4);
    expect(encoded.lengths!.tolist()).toEqual(familyStage(u, "encoder_out").lengths!.tolist());
    const adapted = (await stage("adaptor", ["--input", stored(u, "encoder_out")])).adaptor_out!;
    expect(maxDiff(adapted, familyStage(u, "adaptor_out").adaptor_out!)).toBeLessThanOrEqual(1e-4);
  });

  test("from the WAV: features 5e-3, encoder and adaptor 1e-3", async () => {
    const wav = u.wav!;
    expect(maxDiff((await stage("features", ["--audio", wav])).features!, familyStage(u, "features").features!)).toBeLessThanOrEqual(5e-3);
    expect(maxDiff((await stage("encoder", ["--audio", wav])).encoder_out!, familyStage(u, "encoder_out").encoder_out!)).toBeLessThanOrEqual(1e-3);
    expect(maxDiff((await stage("adaptor", ["--audio", wav])).adaptor_out!, familyStage(u, "adaptor_out").adaptor_out!)).toBeLessThanOrEqual(1e-3);
  });

  test("logits over the stored prompt: prefill and 8 KV-cached steps within 2e-3, greedy tokens identical", async () => {
    const t = await stage("logits", ["--input", stored(u, "adaptor_out"), "--prompt", join(u.dir, "prompt.json"), "--steps", "8"]);
    expect(maxDiff(t.prefill_logits!, familyStage(u, "prefill_logits").prefill_logits!)).toBeLessThanOrEqual(2e-3);
    expect(maxDiff(t.step_logits!, familyStage(u, "greedy_logits").step_logits!)).toBeLessThanOrEqual(2e-3);
    expect(t.greedy_tokens!.tolist()).toEqual(greedyTokens(u));
  });
});

test("the original layout (audio_encoder.whisper.*, adapting.{0,2}, model.*, lm_head; interleaved RoPE rows) gives the same rows and logits", async () => {
  const original = originalLayoutFolder();
  for (const u of UTTERANCES.filter((x) => x.id === "en_16k" || x.id === "zh_16k")) {
    const encoded = await stage("encoder", ["--input", stored(u, "features")], original);
    expect(maxDiff(encoded.encoder_out!, familyStage(u, "encoder_out").encoder_out!)).toBeLessThanOrEqual(1e-4);
    const adapted = await stage("adaptor", ["--input", stored(u, "encoder_out")], original);
    expect(maxDiff(adapted.adaptor_out!, familyStage(u, "adaptor_out").adaptor_out!)).toBeLessThanOrEqual(1e-4);
    const t = await stage("logits", ["--input", stored(u, "adaptor_out"), "--prompt", join(u.dir, "prompt.json"), "--steps", "8"], original);
    expect(maxDiff(t.prefill_logits!, familyStage(u, "prefill_logits").prefill_logits!)).toBeLessThanOrEqual(2e-3);
    expect(t.greedy_tokens!.tolist()).toEqual(greedyTokens(u));
  }
});

test("an mlx-community style copy: channels-last convolutions and the linear layers the engine can quantize 8-bit (group 64), read from <name>.scales", async () => {
  const dir = join(out, "quantized");
  mkdirSync(dir);
  const config = JSON.parse(readFileSync(join(originalLayoutFolder("original-for-quantized"), "config.json"), "utf8")) as Record<string, unknown>;
  writeFileSync(join(dir, "config.json"), JSON.stringify({ ...config, quantization: { group_size: 64, bits: 8 } }));
  for (const file of ["tokenizer.json", "tokenizer_config.json"]) copyFileSync(join(MODEL, file), join(dir, file));
  const quantized: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(loadSafetensors(join(MODEL, "model.legacy_layout.safetensors")))) {
    if (/conv[12]\.weight$/.test(name)) quantized[name] = t.transpose(0, 2, 1).reshape([-1]).reshape([t.shape[0]!, t.shape[2]!, t.shape[1]!]);
    // The engine's 8-bit kernels need 128 inputs or more: here the encoder's fc2 and the projector.
    else if (t.ndim === 2 && t.shape[1]! % 64 === 0 && t.shape[1]! >= 128) {
      const [w, scales, biases] = mx.quantize(t, 64, 8);
      const path = name.replace(/\.weight$/, "");
      Object.assign(quantized, { [`${path}.weight`]: w, [`${path}.scales`]: scales, [`${path}.biases`]: biases });
    } else quantized[name] = t;
  }
  saveSafetensors(join(dir, "model.safetensors"), quantized);
  const u = UTTERANCES.find((x) => x.id === "en_16k")!;
  const expected = familyStage(u, "adaptor_out").adaptor_out!;
  const adapted = await stage("adaptor", ["--audio", u.wav!], dir);
  const scale = Number(mx.abs(expected).max().item());
  expect(maxDiff(adapted.adaptor_out!, expected)).toBeLessThan(0.05 * scale);
  const t = await stage("logits", ["--input", stored(u, "adaptor_out"), "--prompt", join(u.dir, "prompt.json"), "--steps", "2"], dir);
  expect(t.step_logits!.shape).toEqual([2, 1100]);
});

describe("a right-padded batch (en_16k + zh_16k)", () => {
  const [a, b] = [UTTERANCES.find((x) => x.id === "en_16k")!, UTTERANCES.find((x) => x.id === "zh_16k")!];

  test("every window is padded to 3000 frames: features, encoder rows and adaptor rows of each member equal its lone run", async () => {
    const features = await stage("features", ["--audio", a.wav!, "--audio", b.wav!]);
    expect(features.features!.shape).toEqual([2, 3000, 128]);
    expect(features.lengths!.tolist()).toEqual([310, 349]);
    const encoded = await stage("encoder", ["--audio", a.wav!, "--audio", b.wav!]);
    expect(encoded.lengths!.tolist()).toEqual([155, 175]);
    const adapted = await stage("adaptor", ["--audio", a.wav!, "--audio", b.wav!]);
    expect(adapted.lengths!.tolist()).toEqual([38, 43]);
    for (const [m, u] of [a, b].entries()) {
      expect(maxDiff(features.features!.index(m), familyStage(u, "features").features!)).toBeLessThanOrEqual(5e-3);
      expect(maxDiff(encoded.encoder_out!.index(m), familyStage(u, "encoder_out").encoder_out!)).toBeLessThanOrEqual(1e-3);
      const rows = adapted.adaptor_out!.index(m, mx.Slice(0, u === a ? 38 : 43));
      expect(maxDiff(rows, familyStage(u, "adaptor_out").adaptor_out!)).toBeLessThanOrEqual(1e-3);
    }
    // Rows past the shorter member's count are zero.
    expect(Number(mx.abs(adapted.adaptor_out!.index(0, mx.Slice(38))).max().item())).toBe(0);
  });
});

test("the command line: inspect logits from the WAV with the stored prompt gives the reference's greedy tokens", () => {
  const u = UTTERANCES.find((x) => x.id === "en_44k1_stereo")!;
  const file = join(out, "cli.safetensors");
  const r = runCli(["inspect", "logits", "--model", MODEL, "--audio", u.wav!, "--prompt", join(u.dir, "prompt.json"), "--steps", "8", "--out", file]);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  const t = loadSafetensors(file);
  expect(maxDiff(t.prefill_logits!, familyStage(u, "prefill_logits").prefill_logits!)).toBeLessThanOrEqual(2e-3);
  expect(t.greedy_tokens!.tolist()).toEqual(greedyTokens(u));
});
