/**
 * `transcribe --live` on a tiny Qwen3-ASR: a WAV file fed through standard input in
 * 2 s pieces (committed pieces on lines, never taken back, adding up to the final
 * transcript), raw s16le, a clean finish on EOF and on Ctrl-C (SIGINT), and a
 * one-line error when the microphone cannot be captured.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { longSpeech } from "../helpers/audio";
import { ROOT, runCli } from "../helpers/cli";
import { familyFile, familyUtterances } from "../helpers/family-fixtures";
import { talkativeTinyModel } from "../helpers/live-model";
import { allowSlowTests } from "../helpers/timeout";
import { encodeWav } from "../helpers/wav";

allowSlowTests();

let model: string;
const dir = mkdtempSync(join(tmpdir(), "mlx-asr-live-cli-"));
const samples = longSpeech(2);

beforeAll(async () => {
  model = await talkativeTinyModel();
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The WAV file's bytes: its header, then its data in pieces of `seconds`. */
function wavPieces(seconds: number): Uint8Array[] {
  const wav = encodeWav({ sampleRate: 16000, channels: [Array.from(samples)], encoding: "pcm", bits: 16 });
  const header = 44;
  const pieces: Uint8Array[] = [wav.subarray(0, header)];
  const step = seconds * 16000 * 2;
  for (let at = header; at < wav.length; at += step) pieces.push(wav.subarray(at, Math.min(wav.length, at + step)));
  return pieces;
}

function live(args: string[], env: Record<string, string> = {}) {
  return Bun.spawn(["bun", join(ROOT, "src/cli/main.ts"), "transcribe", "--live", "-", "--model", model, "--language", "en", ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
}

/** Committed pieces (a line each) and the final transcript (the JSON that follows them). */
function readOutput(stdout: string): { pieces: string[]; final: { text: string } } {
  const at = stdout.startsWith("{\n") ? 0 : stdout.lastIndexOf("\n{\n") + 1;
  expect(at === 0 || stdout.slice(0, at).endsWith("\n")).toBe(true);
  const pieces = at === 0 ? [] : stdout.slice(0, at - 1).split("\n");
  return { pieces, final: JSON.parse(stdout.slice(at)) as { text: string } };
}

describe("transcribe --live -", () => {
  test("a WAV fed in 2 s pieces: committed pieces on lines, adding up to the final transcript; a clean finish on EOF", async () => {
    const child = live(["--format", "json", "--verbose"]);
    for (const piece of wavPieces(2)) {
      child.stdin.write(piece);
      child.stdin.flush();
      await Bun.sleep(150);
    }
    child.stdin.end();
    const [stdout, stderr, status] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
    expect(status).toBe(0);
    const { pieces, final } = readOutput(stdout);
    expect(pieces.length).toBeGreaterThan(0);
    expect(final.text).toBe(pieces.join(""));
    expect(final.text.length).toBeGreaterThan(0);
    expect(stderr).toMatch(/live: chunk 1 to 2\.0 s: \d+ ms for 2\.0 s of audio .*real-time factor so far \d/);
    expect(stderr).toMatch(/live: \d+ chunks, median \d+ ms, worst \d+ ms; real-time factor \d/);
  });

  test("raw s16le with --raw gives the same transcript as the WAV stream", async () => {
    const wav = wavPieces(60);
    const raw = Buffer.concat(wav.slice(1));
    const fromRaw = runCli(["transcribe", "--live", "-", "--raw", "--model", model, "--language", "en", "--format", "json"], {}, raw as unknown as string);
    const fromWav = runCli(["transcribe", "--live", "-", "--model", model, "--language", "en", "--format", "json"], {}, Buffer.concat(wav) as unknown as string);
    expect(fromRaw.status).toBe(0);
    expect(fromWav.status).toBe(0);
    expect(readOutput(fromRaw.stdout).final.text).toBe(readOutput(fromWav.stdout).final.text);
  });

  test("Ctrl-C (SIGINT) finishes the session cleanly and prints the final transcript", async () => {
    const child = live(["--format", "json", "--verbose"]);
    const pieces = wavPieces(2);
    for (const piece of pieces.slice(0, 3)) child.stdin.write(piece);
    child.stdin.flush();
    const stderr = child.stderr.getReader();
    let said = "";
    while (!said.includes("live: chunk 1")) {
      const next = await stderr.read();
      if (next.done) break;
      said += new TextDecoder().decode(next.value);
    }
    child.kill("SIGINT");
    const [stdout, status] = await Promise.all([new Response(child.stdout).text(), child.exited]);
    expect(status).toBe(0);
    const { pieces: lines, final } = readOutput(stdout);
    expect(final.text).toBe(lines.join(""));
  });

  test("an empty input, a stream that is not WAV, and a bad --live value are one-line errors", () => {
    const empty = runCli(["transcribe", "--live", "-", "--model", model], {}, "");
    expect(empty.status).toBe(3);
    expect(empty.stderr).toBe("mlx-asr: error[AUDIO_EMPTY]: <stdin>: contains no samples\n");
    const text = runCli(["transcribe", "--live", "-", "--model", model], {}, "hello, this is not audio");
    expect(text.status).toBe(3);
    expect(text.stderr).toContain("is not a WAV stream; give --raw");
    const bad = runCli(["transcribe", "--live", "camera"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('mlx-asr: error[BAD_ARGUMENTS]: transcribe --live: takes - (standard input) or mic, not "camera"\n');
  });
});

describe("transcribe --live mic", () => {
  test("without ffmpeg: one line saying so, before any model is loaded", () => {
    const r = runCli(["transcribe", "--live", "mic", "--model", join(dir, "no-such-model")], { MLX_ASR_FFMPEG: join(dir, "no-ffmpeg") });
    expect(r.status).toBe(3);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("error[MIC_NEEDS_FFMPEG]: microphone: capturing it needs ffmpeg");
  });

  test("without a capture device: one line naming what ffmpeg could not open", () => {
    const fake = join(dir, "ffmpeg");
    writeFileSync(fake, '#!/bin/sh\necho "default: No such device" >&2\nexit 1\n');
    chmodSync(fake, 0o755);
    const r = runCli(["transcribe", "--live", "mic", "--model", model], { MLX_ASR_FFMPEG: fake });
    expect(r.status).toBe(3);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("error[MIC_UNAVAILABLE]: microphone: no capture device could be opened (");
    expect(r.stderr).toContain("default: No such device");
  });
});

describe("transcribe --live - with Paraformer (re-run on the audio not committed yet)", () => {
  test("a WAV on standard input: exit 0, a line per pass that committed words, adding up to the start of the final transcript", () => {
    const paraformer = familyFile("paraformer-zh", "model");
    const wav = familyUtterances("paraformer-zh").find((u) => u.id === "asr_example_5s")!.wav!;
    const stdin = readFileSync(wav);
    const result = Bun.spawnSync(["bun", join(ROOT, "src/cli/main.ts"), "transcribe", "--live", "-", "--model", paraformer, "--format", "json", "--verbose"], { cwd: ROOT, stdin, stdout: "pipe", stderr: "pipe" });
    const stderr = result.stderr.toString();
    expect(stderr).not.toContain("error");
    expect(result.exitCode).toBe(0);
    expect(stderr).toMatch(/live: chunk 1 to 1\.0 s: \d+ ms for 1\.0 s of audio/);
    const stdout = result.stdout.toString();
    const { pieces, final } = readOutput(stdout);
    expect(final.text.length).toBeGreaterThan(0);
    expect(pieces.join("")).toBe(final.text.slice(0, pieces.join("").length));
    const offline = runCli(["transcribe", "--model", paraformer, wav]);
    expect(offline.status).toBe(0);
    expect([...final.text].length).toBeGreaterThan([...offline.stdout.trim()].length / 2);
  });
});
