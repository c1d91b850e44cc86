/**
 * Qwen3-ASR against the reference tensors (transformers 5.18's `qwen3_asr` at tiny
 * widths) through `inspect`: every stage from its stored input and from the WAV,
 * the KV-cached greedy steps with the auto and the forced-language prompt, the
 * released and transformers layouts giving the same rows, and right-padded batches
 * whose valid rows equal the lone runs.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
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

const MODEL = familyFile("qwen3-asr", "model");
const HF_MODEL = familyFile("qwen3-asr", "model/transformers");
const UTTERANCES = familyUtterances("qwen3-asr");
const out = mkdtempSync(join(tmpdir(), "mlx-asr-qwen3-asr-"));
let written = 0;

/** Runs `inspect <stage>` in this process; the file it wrote. */
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

describe.each(UTTERANCES)("$id", (u) => {
  test("each stage from its stored input: features 1e-4, encoder and adaptor 1e-4", async () => {
    const features = (await stage("features", ["--input", stored(u, "waveform")])).features!;
    expect(maxDiff(features, familyStage(u, "features").features!)).toBeLessThanOrEqual(1e-4);
    const encoded = (await stage("encoder", ["--input", stored(u, "features")])).encoder_out!;
    expect(maxDiff(encoded, familyStage(u, "encoder_out").encoder_out!)).toBeLessThanOrEqual(1e-4);
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
    const greedy = familyStage(u, "greedy_logits");
    expect(maxDiff(t.step_logits!, greedy.step_logits!)).toBeLessThanOrEqual(2e-3);
    expect(t.greedy_tokens!.tolist()).toEqual(greedy.greedy_tokens!.tolist());
  });
});

test("the forced-language prompt (language English<asr_text> after assistant): logits and greedy tokens", async () => {
  const u = UTTERANCES.find((x) => x.id === "en_16k")!;
  const forced = join(u.dir, "forced");
  const t = await stage("logits", ["--input", stored(u, "adaptor_out"), "--prompt", join(forced, "prompt.json"), "--steps", "8"]);
  expect(maxDiff(t.prefill_logits!, loadSafetensors(join(forced, "prefill_logits.safetensors")).prefill_logits!)).toBeLessThanOrEqual(2e-3);
  const greedy = loadSafetensors(join(forced, "greedy_logits.safetensors"));
  expect(maxDiff(t.step_logits!, greedy.step_logits!)).toBeLessThanOrEqual(2e-3);
  expect(t.greedy_tokens!.tolist()).toEqual(greedy.greedy_tokens!.tolist());
});

test("the transformers (-hf) layout gives the released layout's rows and logits", async () => {
  const u = UTTERANCES.find((x) => x.id === "example_en_10s")!;
  const released = await stage("adaptor", ["--audio", u.wav!]);
  const hf = await stage("adaptor", ["--audio", u.wav!], HF_MODEL);
  expect(maxDiff(hf.adaptor_out!, released.adaptor_out!)).toBe(0);
  const args = ["--input", stored(u, "adaptor_out"), "--prompt", join(u.dir, "prompt.json"), "--steps", "2"];
  const [a, b] = [await stage("logits", args), await stage("logits", args, HF_MODEL)];
  expect(maxDiff(b.prefill_logits!, a.prefill_logits!)).toBe(0);
  expect(b.greedy_tokens!.tolist()).toEqual(a.greedy_tokens!.tolist());
});

describe("a right-padded batch (en_16k + zh_16k)", () => {
  const [a, b] = [UTTERANCES.find((x) => x.id === "en_16k")!, UTTERANCES.find((x) => x.id === "zh_16k")!];

  test("features: one STFT over the padded batch, the shorter member's length is ⌈S/160⌉", async () => {
    const t = await stage("features", ["--audio", a.wav!, "--audio", b.wav!]);
    const samples = [a, b].map((u) => familyStage(u, "waveform").waveform!.shape[0]!);
    expect(t.lengths!.tolist()).toEqual([Math.ceil(samples[0]! / 160), Math.floor(samples[1]! / 160)]);
    // The longer member is computed exactly as alone.
    expect(maxDiff(t.features!.index(1), familyStage(b, "features").features!)).toBeLessThanOrEqual(5e-3);
    // The shorter one's frames before the extra one are its lone frames.
    const alone = familyStage(a, "features").features!;
    expect(maxDiff(t.features!.index(0, mx.Slice(0, alone.shape[0]!)), alone)).toBeLessThanOrEqual(5e-3);
  });

  test("encoder and adaptor: every member's valid rows equal its lone run; rows past its length are zero", async () => {
    const featuresFile = await stageFile("features", ["--audio", a.wav!, "--audio", b.wav!]);
    const batch = loadSafetensors(featuresFile);
    const lengths = batch.lengths!.tolist() as number[];
    const encoded = await stage("encoder", ["--input", featuresFile]);
    const rows = encoded.lengths!.tolist() as number[];
    const adapted = await stage("adaptor", ["--audio", a.wav!, "--audio", b.wav!]);
    for (let m = 0; m < 2; m++) {
      const memberFile = join(out, `member-${m}.safetensors`);
      const member = batch.features!.index(m, mx.Slice(0, lengths[m]!));
      saveSafetensors(memberFile, { features: mx.add(member, mx.zeros(member.shape)) });
      const loneEncoded = await stageFile("encoder", ["--input", memberFile]);
      const lone = await stage("adaptor", ["--input", loneEncoded]);
      expect(maxDiff(adapted.adaptor_out!.index(m, mx.Slice(0, rows[m]!)), lone.adaptor_out!)).toBeLessThanOrEqual(1e-5);
      const padding = adapted.adaptor_out!.index(m, mx.Slice(rows[m]!));
      if (padding.shape[0]! > 0) expect(Number(mx.abs(padding).max().item())).toBe(0);
    }
    // The longer member is the reference's own utterance.
    expect(maxDiff(encoded.encoder_out!.index(1), familyStage(b, "encoder_out").encoder_out!)).toBeLessThanOrEqual(1e-4);
  });
});

test("the command line: inspect logits from the WAV with the stored prompt gives the reference's greedy tokens", () => {
  const u = UTTERANCES.find((x) => x.id === "example_en_10s")!;
  const file = join(out, "cli.safetensors");
  const r = runCli(["inspect", "logits", "--model", MODEL, "--audio", u.wav!, "--prompt", join(u.dir, "prompt.json"), "--steps", "8", "--out", file]);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  const t = loadSafetensors(file);
  expect(maxDiff(t.prefill_logits!, familyStage(u, "prefill_logits").prefill_logits!)).toBeLessThanOrEqual(2e-3);
  expect(t.greedy_tokens!.tolist()).toEqual(familyStage(u, "greedy_logits").greedy_tokens!.tolist());
});
