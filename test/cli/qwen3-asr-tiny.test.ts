/**
 * A tiny random Qwen3-ASR (make-tiny-model) through the command line, batch, the
 * library and the server: every output format, a forced language, long audio cut
 * into pieces, and translation by the language model said so in warnings.
 */
import { parse } from "@plussub/srt-vtt-parser";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Transcriber } from "../../src/pipeline/transcriber";
import { longSpeech, SPEECH_EN, writeWav } from "../helpers/audio";
import { runCli } from "../helpers/cli";
import { tinyModel } from "../helpers/tiny-model";
import { allowSlowTests } from "../helpers/timeout";
import { audioFile, startTestServer, type TestServer } from "../server/harness";

allowSlowTests();

let model: string;
const dir = mkdtempSync(join(tmpdir(), "mlx-asr-qwen3-asr-cli-"));
let longWav: string;

beforeAll(async () => {
  model = await tinyModel("qwen3-asr");
  longWav = writeWav(join(dir, "long.wav"), longSpeech(8));
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[]) {
  const r = runCli(args);
  if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stderr}`);
  return r;
}

describe("the command line", () => {
  test("txt, json and verbose_json agree; a forced language is reported; audio over 30 s is cut into pieces; srt and vtt parse back into its segments", () => {
    const v = JSON.parse(cli(["transcribe", longWav, "--model", model, "--language", "zh", "--format", "verbose_json"]).stdout);
    expect(v.language).toBe("chinese");
    expect(v.duration).toBeGreaterThan(30);
    expect(v.segments.length).toBeGreaterThanOrEqual(2);
    expect(v.segments.every((s: { end: number; start: number }) => s.end - s.start <= 30.001)).toBe(true);
    for (const format of ["srt", "vtt"]) {
      const cues = parse(cli(["transcribe", longWav, "--model", model, "--language", "zh", "--format", format]).stdout).entries;
      expect(cues.length).toBe(v.segments.length);
    }
    const json = JSON.parse(cli(["transcribe", SPEECH_EN, "--model", model, "--format", "json"]).stdout);
    expect(cli(["transcribe", SPEECH_EN, "--model", model]).stdout).toBe(`${json.text}\n`);
  }, 600_000);

  test("--translate: the transcript is translated by the language model, and a warning says so", () => {
    const r = cli(["transcribe", SPEECH_EN, "--model", model, "--translate", "--hotwords", "MLX", "--format", "json"]);
    expect(r.stderr).toContain("qwen3-asr does not translate speech: the transcript was translated as text by its language model");
    expect(typeof JSON.parse(r.stdout).text).toBe("string");
  });

  test("a language the family does not list is a usage error naming its languages", () => {
    const r = runCli(["transcribe", SPEECH_EN, "--model", model, "--language", "xx"]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("qwen3-asr supports: zh, en, yue");
  });

  test("batch writes one result per file", () => {
    const input = join(dir, "in");
    mkdirSync(input);
    writeWav(join(input, "a.wav"), longSpeech(1));
    writeWav(join(input, "b.wav"), longSpeech(2));
    const out = join(dir, "out");
    cli(["batch", input, "--model", model, "--format", "json", "--output", out]);
    for (const name of ["a", "b"]) expect(typeof JSON.parse(readFileSync(join(out, `${name}.json`), "utf8")).text).toBe("string");
  });
});

test("the library: streamed pieces add up to the text", async () => {
  const transcriber = await Transcriber.load(model, { checkMemory: false });
  const pieces: string[] = [];
  const stream = transcriber.stream(SPEECH_EN);
  let next = await stream.next();
  while (!next.done) {
    pieces.push(next.value);
    next = await stream.next();
  }
  expect(pieces.join("")).toBe(next.value.text);
});

describe("the server", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(model);
  }, 120_000);
  afterAll(() => server?.stop());

  test("a transcription with a prompt (the context) and a translation with its warning", async () => {
    const client = server.client();
    const t = await client.audio.transcriptions.create({ file: audioFile(SPEECH_EN), model: "any", prompt: "MLX, Bun", language: "en" });
    expect(typeof t.text).toBe("string");
    const form = new FormData();
    form.append("file", audioFile(SPEECH_EN));
    form.append("model", "any");
    const response = await fetch(`${server.origin}/v1/audio/translations`, { method: "POST", body: form });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-mlx-asr-warning") ?? "").toContain("does not translate speech");
  });
});
