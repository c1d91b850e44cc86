/**
 * A tiny random GLM-ASR-Nano (make-tiny-model) through the command line, batch, the
 * library and the server: every output format, long audio cut into ≤ 30 s pieces at
 * quiet points with segment times, streamed tokens, and the options the family
 * refuses or ignores.
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
const dir = mkdtempSync(join(tmpdir(), "mlx-asr-glm-asr-cli-"));
let longWav: string;

beforeAll(async () => {
  model = await tinyModel("glm-asr-nano");
  longWav = writeWav(join(dir, "long.wav"), longSpeech(8));
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[]) {
  const r = runCli(args);
  if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stderr}`);
  return r;
}

describe("the command line", () => {
  test("txt, json and verbose_json agree; audio over 30 s is cut into pieces with their times; srt and vtt parse back into its segments", () => {
    const v = JSON.parse(cli(["transcribe", longWav, "--model", model, "--format", "verbose_json"]).stdout);
    expect(v.duration).toBeGreaterThan(30);
    expect(v.segments.length).toBeGreaterThanOrEqual(2);
    expect(v.segments.every((s: { end: number; start: number }) => s.end - s.start <= 30.001)).toBe(true);
    expect(v.segments[0].start).toBe(0);
    expect(v.segments.at(-1).end).toBeCloseTo(v.duration, 1);
    for (const format of ["srt", "vtt"]) {
      const cues = parse(cli(["transcribe", longWav, "--model", model, "--format", format]).stdout).entries;
      expect(cues.length).toBe(v.segments.length);
    }
    const json = JSON.parse(cli(["transcribe", SPEECH_EN, "--model", model, "--format", "json"]).stdout);
    expect(cli(["transcribe", SPEECH_EN, "--model", model]).stdout).toBe(`${json.text}\n`);
  }, 600_000);

  test("a language is refused with the reason; hot words are ignored with a warning", () => {
    const r = runCli(["transcribe", SPEECH_EN, "--model", model, "--language", "zh"]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("glm-asr-nano takes no language option");
    const h = cli(["transcribe", SPEECH_EN, "--model", model, "--hotwords", "MLX"]);
    expect(h.stderr).toContain("hot words are ignored");
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

  test("a transcription in verbose_json and a translation refused (the family does not translate speech) or done as text", async () => {
    const client = server.client();
    const t = await client.audio.transcriptions.create({ file: audioFile(SPEECH_EN), model: "any", response_format: "verbose_json" });
    expect(typeof t.text).toBe("string");
    expect((t as unknown as { segments: unknown[] }).segments.length).toBeGreaterThanOrEqual(1);
    const form = new FormData();
    form.append("file", audioFile(SPEECH_EN));
    form.append("model", "any");
    const response = await fetch(`${server.origin}/v1/audio/translations`, { method: "POST", body: form });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-mlx-asr-warning") ?? "").toContain("does not translate speech");
  });
});
