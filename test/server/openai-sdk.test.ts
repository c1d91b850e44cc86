/**
 * The official `openai` SDK, unmodified, against `mlx-asr serve` with a tiny
 * FunASR-Qwen4B model: every response_format, streaming, speech translation,
 * the model listing, and `prompt` reported as ignored (no hot words here).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseSubtitles } from "@plussub/srt-vtt-parser";
import type OpenAI from "openai";
import { findFfmpeg } from "../../src/audio/ffmpeg";
import { MODEL_HEADER, WARNING_HEADER } from "../../src/server/transcript-responses";
import { audioFile, EN_STEREO_WAV, startTestServer, tinyModel, ZH_WAV, type TestServer, type TinyModel } from "./harness";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

let model: TinyModel;
let server: TestServer;
let client: OpenAI;
/** The json transcript of ZH_WAV, which every other format must agree with. */
let reference: string;

beforeAll(async () => {
  model = await tinyModel("funasr-qwen4b");
  server = await startTestServer(model.dir);
  client = server.client();
  reference = (await client.audio.transcriptions.create({ file: audioFile(ZH_WAV), model: "whisper-1" })).text;
});

afterAll(async () => {
  await server?.stop();
  model?.remove();
});

describe("audio.transcriptions.create", () => {
  test("json: the text, its usage in seconds, and the served model in a header", async () => {
    const { data, response } = await client.audio.transcriptions.create({ file: audioFile(ZH_WAV), model: "whisper-1", response_format: "json" }).withResponse();
    expect(reference.length).toBeGreaterThan(0);
    expect(data.text).toBe(reference);
    expect(data.usage).toEqual({ type: "duration", seconds: 4 });
    expect(response.headers.get(MODEL_HEADER)).toBe(server.modelId);
    expect(response.headers.get(WARNING_HEADER)).toBeNull();
  });

  test("text: the same text as text/plain", async () => {
    const { data, response } = await client.audio.transcriptions.create({ file: audioFile(ZH_WAV), model: "whisper-1", response_format: "text" }).withResponse();
    expect(response.headers.get("content-type")).toStartWith("text/plain");
    expect(data).toBe(`${reference}\n`);
  });

  test("srt and vtt: one cue over the whole clip, parseable by a subtitle reader", async () => {
    const srt = await client.audio.transcriptions.create({ file: audioFile(ZH_WAV), model: "whisper-1", response_format: "srt" });
    const vtt = await client.audio.transcriptions.create({ file: audioFile(ZH_WAV), model: "whisper-1", response_format: "vtt" });
    expect(srt).toStartWith("1\n00:00:00,000 --> 00:00:03,481\n");
    expect(vtt).toStartWith("WEBVTT\n");
    for (const subtitles of [srt, vtt]) {
      const { entries } = parseSubtitles(subtitles);
      expect(entries.map((e) => e.text).join("")).toBe(reference);
      expect(entries[0]!.from).toBe(0);
    }
  });

  test("verbose_json: language, duration and timed segments", async () => {
    const verbose = await client.audio.transcriptions.create({
      file: audioFile(ZH_WAV),
      model: "whisper-1",
      response_format: "verbose_json",
      timestamp_granularities: ["segment"],
      language: "zh",
      temperature: 0,
    });
    expect(verbose.text).toBe(reference);
    expect(verbose.language).toBe("chinese");
    expect(verbose.duration).toBeCloseTo(3.48, 2);
    expect(verbose.segments!.length).toBe(1);
    expect(verbose.segments![0]).toMatchObject({ id: 0, start: 0, text: reference, temperature: 0 });
    expect(verbose.segments![0]!.end).toBeCloseTo(3.48, 2);
    // Measured on the model's own distribution, never the constant 0 ("perfectly sure").
    const { avg_logprob, no_speech_prob } = verbose.segments![0]!;
    expect(avg_logprob).toBeLessThan(0);
    expect(Number.isFinite(avg_logprob)).toBe(true);
    expect(no_speech_prob).toBeGreaterThan(0);
    expect(no_speech_prob).toBeLessThan(1);
  });

  test("stream: the deltas add up to the done text, which is the non-streamed text", async () => {
    const events = await client.audio.transcriptions.create({ file: audioFile(ZH_WAV), model: "gpt-4o-transcribe", stream: true });
    const deltas: string[] = [];
    let done: string | null = null;
    for await (const event of events) {
      if (event.type === "transcript.text.delta") deltas.push(event.delta);
      else if (event.type === "transcript.text.done") done = event.text;
    }
    expect(deltas.length).toBeGreaterThan(0);
    expect(deltas.join("")).toBe(done!);
    expect(done!).toBe(reference);
  });

  test("prompt: this family has no hot words, so it is reported as ignored, not dropped silently", async () => {
    const { data, response } = await client.audio.transcriptions
      .create({ file: audioFile(ZH_WAV), model: "whisper-1", response_format: "verbose_json", prompt: "通义，千问" })
      .withResponse();
    const warning = "prompt ignored: funasr-qwen4b has no hot-word prompt";
    expect(response.headers.get(WARNING_HEADER)).toBe(warning);
    expect((data as unknown as { warnings: string[] }).warnings).toEqual([warning]);
    expect(data.text).toBe(reference);
  });

  test("a 44.1 kHz stereo WAV is downmixed and resampled", async () => {
    const verbose = await client.audio.transcriptions.create({ file: audioFile(EN_STEREO_WAV), model: "whisper-1", response_format: "verbose_json" });
    expect(verbose.duration).toBeGreaterThan(3);
    expect(typeof verbose.text).toBe("string");
  });

  test.skipIf(findFfmpeg() === null)("other containers go through ffmpeg: lossless FLAC gives the WAV's text", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlx-asr-flac-"));
    try {
      const flac = join(dir, "speech.flac");
      const converted = spawnSync(findFfmpeg()!, ["-nostdin", "-loglevel", "error", "-i", ZH_WAV, flac]);
      expect(converted.status).toBe(0);
      const file = new File([readFileSync(flac)], "speech.flac", { type: "audio/flac" });
      expect((await client.audio.transcriptions.create({ file, model: "whisper-1" })).text).toBe(reference);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("audio.translations.create", () => {
  test("speech → English directly (this family translates speech)", async () => {
    const { data, response } = await client.audio.translations.create({ file: audioFile(ZH_WAV), model: "whisper-1" }).withResponse();
    expect(response.headers.get(MODEL_HEADER)).toBe(server.modelId);
    const direct = await server.engine.transcribe(ZH_WAV, { task: "translate" });
    expect(data.text).toBe(direct.text);
    const verbose = await client.audio.translations.create({ file: audioFile(ZH_WAV), model: "whisper-1", response_format: "verbose_json" });
    expect(verbose).toMatchObject({ language: "english", text: direct.text });
    // openai 7.55 types every translation as Translation (its response_format ignores the overload's type parameter).
    const srt = (await client.audio.translations.create({ file: audioFile(ZH_WAV), model: "whisper-1", response_format: "srt" })) as unknown as string;
    expect(parseSubtitles(srt).entries.map((e) => e.text).join("")).toBe(direct.text);
  });
});

describe("models", () => {
  test("the loaded model is the one listed, and can be retrieved by its id", async () => {
    const listed = [];
    for await (const entry of client.models.list()) listed.push(entry);
    expect(listed).toEqual([expect.objectContaining({ id: server.modelId, object: "model", owned_by: "mlx-asr" })]);
    expect((await client.models.retrieve(server.modelId)).id).toBe(server.modelId);
  });
});
