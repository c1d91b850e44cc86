/** `mlx-asr inspect waveform|fbank|features` through the real command line. */
import { expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSafetensors } from "../../src/engine/safetensors";
import { mx } from "../../src/engine/mlx";
import { difference } from "../helpers/compare";
import { runCli } from "../helpers/cli";
import { MODEL_DIR, stageFile, stageTensors, UTTERANCES, wavPath } from "../helpers/fixtures";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

const dir = mkdtempSync(join(tmpdir(), "mlx-asr-inspect-"));
const [zh16, en16, en44, zh8] = ["zh_16k", "en_16k", "en_44k1_stereo", "zh_8k"].map((id) => UTTERANCES.find((u) => u.id === id)!);

function inspect(args: string[]): Record<string, ReturnType<typeof mx.array>> {
  const out = join(dir, `${Math.random().toString(36).slice(2)}.safetensors`);
  const r = runCli(["inspect", ...args, "--model", MODEL_DIR, "--out", out]);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return loadSafetensors(out);
}

test("waveform of a resampled stereo file", () => {
  const t = inspect(["waveform", "--audio", wavPath(en44!)]);
  expect(difference(t.waveform!, stageTensors(en44!, "waveform").waveform!).maxAbs).toBeLessThanOrEqual(1e-5);
  expect(t.lengths).toBeUndefined();
});

test("features from audio, and from the stored fbank with --input", () => {
  const fromAudio = inspect(["features", "--audio", wavPath(zh16!)]);
  const fromFbank = inspect(["features", "--input", stageFile(zh16!, "fbank")]);
  const expected = stageTensors(zh16!, "features").features!;
  expect(difference(fromAudio.features!, expected).maxAbs).toBeLessThanOrEqual(5e-3);
  expect(difference(fromFbank.features!, expected).maxAbs).toBeLessThanOrEqual(1e-4);
});

test("fbank from the stored waveform with --input", () => {
  const t = inspect(["fbank", "--input", stageFile(en16!, "waveform")]);
  const d = difference(t.fbank!, stageTensors(en16!, "fbank").fbank!);
  expect(d.maxAbs).toBeLessThanOrEqual(1e-2);
  expect(d.meanAbs).toBeLessThanOrEqual(1e-4);
});

test("several --audio files form a right-padded batch with int32 lengths", () => {
  const t = inspect(["features", "--audio", wavPath(en16!), "--audio", wavPath(zh8!)]);
  expect(t.features!.shape).toEqual([2, 58, 560]);
  expect(t.lengths!.dtype).toBe(mx.int32);
  expect(t.lengths!.tolist()).toEqual([52, 58]);
  const first = t.features!.index(0, mx.Slice(0, 52));
  expect(difference(first, stageTensors(en16!, "features").features!).maxAbs).toBeLessThanOrEqual(5e-3);
  expect(Number(mx.abs(t.features!.index(0, mx.Slice(52))).max().item())).toBe(0);
  const second = t.features!.index(1);
  expect(difference(second, stageTensors(zh8!, "features").features!).maxAbs).toBeLessThanOrEqual(5e-3);

  // A stored batch flows on: features from a batched fbank file keep the lengths.
  const fb = inspect(["fbank", "--audio", wavPath(en16!), "--audio", wavPath(zh8!)]);
  expect(fb.lengths!.tolist()).toEqual([307, 346]);
});

test("usage errors exit 2 with one line", () => {
  for (const args of [
    ["inspect", "features", "--model", MODEL_DIR, "--out", join(dir, "x.safetensors")],
    ["inspect", "nonsense", "--model", MODEL_DIR, "--audio", "a.wav", "--out", "x"],
    ["inspect", "waveform", "--model", MODEL_DIR, "--input", "x.safetensors", "--out", "x"],
    ["inspect", "features", "--model", MODEL_DIR, "--audio", "a.wav", "--input", "b", "--out", "x"],
    ["inspect", "features", "--bogus"],
    ["frobnicate"],
  ]) {
    const r = runCli(args);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  }
});

test("--input without the previous stage's tensor names what it holds", () => {
  const r = runCli(["inspect", "features", "--model", MODEL_DIR, "--input", stageFile(zh16!, "waveform"), "--out", join(dir, "y.safetensors")]);
  expect(r.status).toBe(4);
  expect(r.stderr).toContain('holds no "fbank" tensor');
});
