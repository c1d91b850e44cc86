/**
 * `mlx-asr batch`: a result per input mirroring the folder tree, a summary, and
 * `--resume` after a kill that loses and duplicates nothing.
 */
import { beforeAll, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { MANIFEST_NAME } from "../../src/cli/batch-manifest";
import { EXIT_STATUS } from "../../src/errors";
import { longSpeech, SPEECH_EN, SPEECH_ZH, writeWav } from "../helpers/audio";
import { ROOT, runCli } from "../helpers/cli";
import { tinyModel } from "../helpers/tiny-model";
import { allowSlowTests, SLOW_TEST_MS } from "../helpers/timeout";

allowSlowTests();

let model: string;
const work = mkdtempSync(join(tmpdir(), "mlx-asr-batch-"));
const input = join(work, "recordings");
const GOOD = ["a.wav", "b.wav", "day1/c.wav", "day1/d.wav", "day1/deep/e.wav", "day2/f.wav", "day2/g.wav", "h.wav"];

/** Result files (the batch manifest is bookkeeping, not a result). */
function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name !== MANIFEST_NAME)
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

beforeAll(async () => {
  model = await tinyModel("funasr-qwen4b");
  for (const [i, name] of GOOD.entries()) {
    mkdirSync(join(input, name, ".."), { recursive: true });
    if (i === 5) writeWav(join(input, name), longSpeech(5));
    else copyFileSync(i % 2 ? SPEECH_EN : SPEECH_ZH, join(input, name));
  }
  writeFileSync(join(input, "day2", "broken.wav"), "RIFF\u0000\u0000\u0000\u0000WAVEnot really");
  writeFileSync(join(input, "notes.txt"), "not audio, not an input");
}, SLOW_TEST_MS);

test("every input gets a result file at the same relative path; the broken one is reported", () => {
  const out = join(work, "clean");
  const r = runCli(["batch", input, "--model", model, "--format", "json", "--output", out]);
  expect(r.status).toBe(EXIT_STATUS.batch_incomplete);
  expect(listFiles(out)).toEqual(GOOD.map((f) => f.replace(/\.wav$/, ".json")).sort());
  for (const f of listFiles(out)) expect(typeof JSON.parse(readFileSync(join(out, f), "utf8")).text).toBe("string");
  expect(r.stderr).toContain("batch: 8 transcribed, 0 skipped, 1 failed");
  expect(r.stderr).toContain(`failed: ${join(input, "day2", "broken.wav")}`);
});

test("killed half way, then --resume: nothing lost, nothing done twice, same results as a clean run", async () => {
  const clean = join(work, "clean");
  const out = join(work, "killed");
  const child = Bun.spawn(["bun", join(ROOT, "src/cli/main.ts"), "batch", input, "--model", model, "--format", "json", "--output", out], {
    cwd: ROOT,
    stdout: "ignore",
    stderr: "ignore",
  });
  while (listFiles(out).filter((f) => f.endsWith(".json")).length < 3 && child.exitCode === null) await Bun.sleep(10);
  child.kill("SIGKILL");
  await child.exited;
  const before = listFiles(out).filter((f) => f.endsWith(".json"));
  expect(before.length).toBeGreaterThanOrEqual(3);
  expect(before.length).toBeLessThan(GOOD.length);
  const finishedAt = new Map(before.map((f) => [f, statSync(join(out, f)).mtimeMs]));
  for (const f of before) expect(() => JSON.parse(readFileSync(join(out, f), "utf8"))).not.toThrow();

  const resumed = runCli(["batch", input, "--model", model, "--format", "json", "--output", out, "--resume"]);
  expect(resumed.status).toBe(EXIT_STATUS.batch_incomplete);
  expect(resumed.stderr).toContain(`${before.length} already done`);
  expect(resumed.stderr).toContain(`${GOOD.length - before.length} transcribed, ${before.length} skipped, 1 failed`);
  expect(listFiles(out)).toEqual(listFiles(clean));
  for (const f of listFiles(out)) expect(readFileSync(join(out, f), "utf8")).toBe(readFileSync(join(clean, f), "utf8"));
  for (const [f, mtime] of finishedAt) expect(statSync(join(out, f)).mtimeMs).toBe(mtime);
}, SLOW_TEST_MS);

test("--resume skips every input recorded as done and retries the failed one; a result file alone does not count", () => {
  const out = join(work, "clean");
  const r = runCli(["batch", input, "--model", model, "--format", "json", "--output", out, "--resume"]);
  expect(r.stderr).toContain("8 already done");
  expect(r.stderr).toContain("0 transcribed, 8 skipped, 1 failed");
  expect(r.status).toBe(EXIT_STATUS.batch_incomplete);
  // A result that was not written by a batch into this folder (no manifest line) is not taken for done.
  const foreign = join(work, "foreign");
  mkdirSync(foreign);
  writeFileSync(join(foreign, "a.json"), "{}\n");
  const fresh = runCli(["batch", input, "--model", model, "--format", "json", "--output", foreign, "--resume"]);
  expect(fresh.stderr).toContain("8 transcribed, 0 skipped, 1 failed");
  expect(readFileSync(join(foreign, "a.json"), "utf8")).toBe(readFileSync(join(out, "a.json"), "utf8"));
});

test("inputs sharing a stem (talk.wav, talk.wave) get a result each; a lost one is redone by --resume", () => {
  const folder = join(work, "same-stem");
  const out = join(work, "same-stem-out");
  mkdirSync(folder);
  copyFileSync(SPEECH_ZH, join(folder, "talk.wav"));
  copyFileSync(SPEECH_EN, join(folder, "talk.wave"));
  const r = runCli(["batch", folder, "--model", model, "--output", out]);
  expect(r.status).toBe(0);
  expect(r.stderr).toContain("2 transcribed, 0 skipped, 0 failed");
  expect(listFiles(out)).toEqual(["talk.wav.txt", "talk.wave.txt"]);
  const zh = runCli(["transcribe", "--model", model, SPEECH_ZH]).stdout;
  const en = runCli(["transcribe", "--model", model, SPEECH_EN]).stdout;
  expect(readFileSync(join(out, "talk.wav.txt"), "utf8")).toBe(zh);
  expect(readFileSync(join(out, "talk.wave.txt"), "utf8")).toBe(en);

  rmSync(join(out, "talk.wave.txt"));
  const resumed = runCli(["batch", folder, "--model", model, "--output", out, "--resume"]);
  expect(resumed.stderr).toContain("1 already done");
  expect(resumed.stderr).toContain("1 transcribed, 1 skipped, 0 failed");
  expect(readFileSync(join(out, "talk.wave.txt"), "utf8")).toBe(en);
});

test("Ctrl-C cancels the file in flight at once, keeps what is complete and lists exactly what is left", async () => {
  const folder = join(work, "interrupted");
  const out = join(work, "interrupted-out");
  mkdirSync(folder);
  copyFileSync(SPEECH_ZH, join(folder, "a.wav"));
  // Three minutes: seconds of work even on a fast machine, so it is in flight when Ctrl-C comes.
  writeFileSync(join(folder, "b.wav"), pcm16Wav(longSpeech(40)));
  copyFileSync(SPEECH_EN, join(folder, "c.wav"));
  const child = Bun.spawn(["bun", join(ROOT, "src/cli/main.ts"), "batch", folder, "--model", model, "--output", out], { cwd: ROOT, stdout: "ignore", stderr: "pipe" });
  const stderr = new Response(child.stderr).text();
  while (!existsSync(join(out, "a.txt")) && child.exitCode === null) await Bun.sleep(10);
  const interruptedAt = performance.now();
  child.kill("SIGINT");
  const status = await child.exited;
  console.log(`batch: exited ${((performance.now() - interruptedAt) / 1000).toFixed(2)} s after SIGINT`);
  const report = await stderr;
  expect(status).toBe(EXIT_STATUS.cancelled);
  expect(listFiles(out)).toEqual(["a.txt"]);
  expect(report).toContain("batch: interrupted: 1 transcribed, 0 failed, 2 left");
  expect(report).toContain(`  left: ${join(folder, "b.wav")}\n  left: ${join(folder, "c.wav")}\n`);

  const resumed = runCli(["batch", folder, "--model", model, "--output", out, "--resume"]);
  expect(resumed.status).toBe(0);
  expect(resumed.stderr).toContain("1 already done");
  expect(resumed.stderr).not.toContain("batch: interrupted");
  expect(listFiles(out)).toEqual(["a.txt", "b.txt", "c.txt"]);
});

test("a folder that does not exist is a usage error", () => {
  const r = runCli(["batch", join(work, "nope"), "--model", model]);
  expect(r.status).toBe(EXIT_STATUS.usage);
});

/** 16-bit mono 16 kHz WAV bytes (half the size of float). */
function pcm16Wav(samples: Float32Array): Uint8Array {
  const bytes = new Uint8Array(44 + 2 * samples.length);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode("RIFF"), 0);
  view.setUint32(4, 36 + 2 * samples.length, true);
  bytes.set(new TextEncoder().encode("WAVEfmt "), 8);
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, 16000, true);
  view.setUint32(28, 32000, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  bytes.set(new TextEncoder().encode("data"), 36);
  view.setUint32(40, 2 * samples.length, true);
  const pcm = new Int16Array(bytes.buffer, 44, samples.length);
  for (let i = 0; i < samples.length; i++) pcm[i] = Math.max(-32768, Math.min(32767, Math.round(samples[i]! * 32768)));
  return bytes;
}
