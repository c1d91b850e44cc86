/**
 * Paraformer-zh parity with FunASR through `inspect`, on the released layout of the
 * reference fixtures (model.safetensors, config.yaml, am.mvn, tokens.json): every
 * stage of every utterance from its stored input and from audio, within the bars'
 * tolerances (features 5e-3 from audio / 1e-4 from the stored fbank; encoder 1e-4 /
 * 1e-3; predictor 1e-4 / 1e-3; logits 2e-3 / 3e-2), token counts, fire positions and
 * tokens exact; the padded batch. The command runs in this process (its `run`), and
 * once as a child process.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../src/cli/inspect/command";
import { mx, type Tensor } from "../../src/engine/mlx";
import { loadSafetensors } from "../../src/engine/safetensors";
import { runCli } from "../helpers/cli";
import { difference } from "../helpers/compare";
import { familyFile, familyStage, familyUtterances, type FamilyUtterance } from "../helpers/family-fixtures";
import { allowSlowTests } from "../helpers/timeout";
import { encodeWav } from "../helpers/wav";

allowSlowTests();

const MODEL = familyFile("paraformer-zh", "model");
const UTTERANCES = familyUtterances("paraformer-zh");
const dir = mkdtempSync(join(tmpdir(), "mlx-asr-inspect-paraformer-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let outputs = 0;
async function inspect(...args: string[]): Promise<Record<string, Tensor>> {
  const out = join(dir, `${outputs++}.safetensors`);
  expect(await run([...args, "--model", MODEL, "--out", out])).toBe(0);
  return loadSafetensors(out);
}

const stored = (u: FamilyUtterance, stage: string) => join(u.dir, `${stage}.safetensors`);
/** A single item may be written with a leading batch axis of 1. */
const item = (t: Tensor, rank: number) => (t.ndim > rank && t.shape[0] === 1 ? t.index(0) : t);
const maxDiff = (a: Tensor, b: Tensor) => difference(item(a, b.ndim), b).maxAbs;
const list = (t: Tensor) => t.tolist() as number[];

describe.each(UTTERANCES.map((u) => [u.id, u] as const))("%s", (_id, u) => {
  test("features: from the stored fbank ≤ 1e-4, from audio ≤ 5e-3", async () => {
    const expected = familyStage(u, "features").features!;
    expect(maxDiff((await inspect("features", "--input", stored(u, "fbank"))).features!, expected)).toBeLessThanOrEqual(1e-4);
    expect(maxDiff((await inspect("features", "--audio", u.wav!)).features!, expected)).toBeLessThanOrEqual(5e-3);
  });

  test("encoder: from the stored features ≤ 1e-4, from audio ≤ 1e-3", async () => {
    const expected = familyStage(u, "encoder_out").encoder_out!;
    expect(maxDiff((await inspect("encoder", "--input", stored(u, "features"))).encoder_out!, expected)).toBeLessThanOrEqual(1e-4);
    expect(maxDiff((await inspect("encoder", "--audio", u.wav!)).encoder_out!, expected)).toBeLessThanOrEqual(1e-3);
  });

  test("predictor: α and acoustic embeddings from the stored encoder output ≤ 1e-4, from audio ≤ 1e-3; counts and fires exact", async () => {
    const expected = familyStage(u, "predictor");
    for (const [out, bound] of [
      [await inspect("predictor", "--input", stored(u, "encoder_out")), 1e-4],
      [await inspect("predictor", "--audio", u.wav!), 1e-3],
    ] as const) {
      expect(list(out.token_num!)).toEqual(list(expected.token_num!));
      expect(list(out.fire_positions!)).toEqual(list(expected.fire_positions!));
      expect(out.token_num!.dtype).toBe(mx.int32);
      for (const name of ["cif_alphas", "acoustic_embeds", "cif_alphas_tail", "cif_peaks"]) expect(maxDiff(out[name]!, expected[name]!)).toBeLessThanOrEqual(bound);
    }
  });

  test("logits: from the stored decoder input ≤ 2e-3, from audio ≤ 3e-2; greedy tokens exact", async () => {
    const expected = familyStage(u, "decoder_logits");
    for (const [out, bound] of [
      [await inspect("logits", "--input", stored(u, "decoder_input")), 2e-3],
      [await inspect("logits", "--audio", u.wav!), 3e-2],
    ] as const) {
      expect(maxDiff(out.decoder_logits!, expected.decoder_logits!)).toBeLessThanOrEqual(bound);
      expect(list(out.greedy_tokens!)).toEqual(list(expected.greedy_tokens!));
    }
  });
});

describe("the padded batch zh_16k + en_16k", () => {
  const batch = (name: string) => loadSafetensors(familyFile("paraformer-zh", `batches/batch_zh16k_en16k/${name}.safetensors`));
  const [zh, en] = ["zh_16k", "en_16k"].map((id) => UTTERANCES.find((u) => u.id === id)!);
  const rows = (t: Tensor, b: number, n: number) => t.index(b, mx.Slice(0, n));

  test("features and encoder from both files: lengths, and every member's valid rows", async () => {
    const features = await inspect("features", "--audio", zh!.wav!, "--audio", en!.wav!);
    expect(list(features.lengths!)).toEqual([58, 52]);
    const encoder = await inspect("encoder", "--input", join(dir, `${outputs - 1}.safetensors`));
    const expected = batch("encoder_out").encoder_out!;
    for (const [b, n] of [[0, 58], [1, 52]] as const) {
      expect(maxDiff(rows(features.features!, b, n), rows(batch("features").features!, b, n))).toBeLessThanOrEqual(5e-3);
      expect(maxDiff(rows(encoder.encoder_out!, b, n), rows(expected, b, n))).toBeLessThanOrEqual(1e-3);
    }
  });

  test("predictor from the stored batch: counts [21, 18]; each member as alone (FunASR's batch reads en_16k's padded rows)", async () => {
    const out = await inspect("predictor", "--input", familyFile("paraformer-zh", "batches/batch_zh16k_en16k/encoder_out.safetensors"));
    expect(list(out.token_num!)).toEqual([21, 18]);
    expect(list(out.lengths!)).toEqual([58, 52]);
    const fromBatch = batch("predictor");
    expect(maxDiff(rows(out.acoustic_embeds!, 0, 21), rows(fromBatch.acoustic_embeds!, 0, 21))).toBeLessThanOrEqual(1e-4);
    expect(maxDiff(rows(out.cif_alphas!, 0, 58), rows(fromBatch.cif_alphas!, 0, 58))).toBeLessThanOrEqual(1e-4);
    // The shorter member equals its single run: zeros past its frames, where FunASR's batch convolves padded rows.
    const alone = familyStage(en!, "predictor");
    expect(maxDiff(rows(out.acoustic_embeds!, 1, 18), alone.acoustic_embeds!)).toBeLessThanOrEqual(1e-4);
    expect(maxDiff(rows(out.cif_alphas!, 1, 52), alone.cif_alphas!)).toBeLessThanOrEqual(1e-4);
    expect(list(rows(out.fire_positions!, 1, 18))).toEqual(list(alone.fire_positions!));
    expect(list(out.fire_positions!.index(1, mx.Slice(18)))).toEqual([-1, -1, -1]);
  });

  test("logits from the stored batch decoder input ≤ 2e-3, greedy tokens exact, token_lengths written", async () => {
    const out = await inspect("logits", "--input", familyFile("paraformer-zh", "batches/batch_zh16k_en16k/decoder_input.safetensors"));
    const expected = batch("decoder_logits");
    expect(list(out.token_lengths!)).toEqual([21, 18]);
    for (const [b, n] of [[0, 21], [1, 18]] as const) {
      expect(maxDiff(rows(out.decoder_logits!, b, n), rows(expected.decoder_logits!, b, n))).toBeLessThanOrEqual(2e-3);
      expect(list(rows(out.greedy_tokens!, b, n))).toEqual(list(rows(expected.greedy_tokens!, b, n)));
    }
  });

  test("logits from both audio files: each member's tokens as alone", async () => {
    const out = await inspect("logits", "--audio", zh!.wav!, "--audio", en!.wav!);
    expect(list(out.token_lengths!)).toEqual([21, 18]);
    expect(list(rows(out.greedy_tokens!, 0, 21))).toEqual(list(familyStage(zh!, "decoder_logits").greedy_tokens!));
    expect(list(rows(out.greedy_tokens!, 1, 18))).toEqual(list(familyStage(en!, "decoder_logits").greedy_tokens!));
  });
});

test("the command line as a child process: inspect logits --audio, and a file without acoustic_embeds refused in one line", () => {
  const u = UTTERANCES.find((x) => x.id === "zh_8k")!;
  const out = join(dir, "child.safetensors");
  const r = runCli(["inspect", "logits", "--model", MODEL, "--audio", u.wav!, "--out", out]);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  const t = loadSafetensors(out);
  expect(maxDiff(t.decoder_logits!, familyStage(u, "decoder_logits").decoder_logits!)).toBeLessThanOrEqual(3e-2);
  const bad = runCli(["inspect", "logits", "--model", MODEL, "--input", stored(u, "encoder_out"), "--out", join(dir, "bad.safetensors")]);
  expect(bad.status).toBe(4);
  expect(bad.stderr).toContain('error[INPUT_TENSOR_MISSING]');
  expect(bad.stderr).toContain('"acoustic_embeds"');
  expect(bad.stderr.trim().split("\n")).toHaveLength(1);
});

test("audio too short for a token: the predictor writes its weights and a count of 0; the logits stage refuses in one line", async () => {
  const wav = join(dir, "short.wav");
  writeFileSync(wav, encodeWav({ sampleRate: 16000, channels: [new Array(480).fill(0)], encoding: "pcm", bits: 16 }));
  const out = await inspect("predictor", "--audio", wav);
  expect(list(out.token_num!)).toEqual([0]);
  expect(out.cif_alphas!.shape).toEqual([1]);
  expect(out.fire_positions).toBeUndefined();
  await expect(run(["logits", "--audio", wav, "--model", MODEL, "--out", join(dir, "none.safetensors")])).rejects.toMatchObject({ code: "NO_TOKENS" });
});
