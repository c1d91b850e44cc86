/**
 * The server with paraformer-zh (the reference fixtures' released layout, in a
 * worker): the official SDK's `timestamp_granularities: ["word"]` gets a time for
 * every character in verbose_json as FunASR gives them; subtitles cut on those
 * times; a language is refused with the reason; translation refused in one line;
 * speech streamed as one text event.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseSubtitles } from "@plussub/srt-vtt-parser";
import type OpenAI from "openai";
import { familyFile, familyUtterances } from "../helpers/family-fixtures";
import { allowSlowTests } from "../helpers/timeout";
import { audioFile, audioForm, startTestServer, type TestServer } from "./harness";

allowSlowTests();

const MODEL = familyFile("paraformer-zh", "model");
const zh = familyUtterances("paraformer-zh").find((u) => u.id === "zh_16k")!;
const expected = JSON.parse(readFileSync(join(zh.dir, "result.json"), "utf8")) as {
  funasr_result: { text: string };
  funasr_result_pred_timestamp: { text: string; timestamp: [number, number][] };
};

let server: TestServer;
let client: OpenAI;

beforeAll(async () => {
  server = await startTestServer(MODEL);
  client = server.client();
});

afterAll(async () => {
  await server?.stop();
});

test('verbose_json with timestamp_granularities ["word"]: OpenAI\'s words array, one entry per character, FunASR\'s times', async () => {
  const data = await client.audio.transcriptions.create({
    file: audioFile(zh.wav!),
    model: "paraformer",
    response_format: "verbose_json",
    timestamp_granularities: ["word", "segment"],
  });
  expect(data.text).toBe(expected.funasr_result.text);
  expect(data.language).toBe("chinese");
  const timed = expected.funasr_result_pred_timestamp;
  expect(data.words!.map((w) => w.word)).toEqual(timed.text.split(" "));
  expect(data.words!.map((w) => [w.start, w.end])).toEqual(timed.timestamp.map(([a, b]) => [a / 1000, b / 1000]));
  expect(data.segments).toHaveLength(1);
});

test("verbose_json without word granularity: segments only, as OpenAI answers", async () => {
  const data = await client.audio.transcriptions.create({ file: audioFile(zh.wav!), model: "paraformer", response_format: "verbose_json" });
  expect(data.words).toBeUndefined();
  expect(data.segments![0]!.text).toBe(expected.funasr_result.text);
});

test("srt: cues cut on the characters' times (a line's width each), in order, the whole text", async () => {
  const long = familyUtterances("paraformer-zh").find((u) => u.id === "asr_example_5s")!;
  const reference = JSON.parse(readFileSync(join(long.dir, "result.json"), "utf8")) as typeof expected;
  const srt = await client.audio.transcriptions.create({ file: audioFile(long.wav!), model: "paraformer", response_format: "srt" });
  const { entries } = parseSubtitles(srt);
  expect(entries.length).toBeGreaterThan(1);
  expect(entries.map((e) => e.text).join("")).toBe(reference.funasr_result.text);
  expect(entries[0]!.from).toBe(reference.funasr_result_pred_timestamp.timestamp[0]![0]);
  expect(entries.at(-1)!.to).toBe(reference.funasr_result_pred_timestamp.timestamp.at(-1)![1]);
  for (let i = 1; i < entries.length; i++) expect(entries[i]!.from).toBeGreaterThanOrEqual(entries[i - 1]!.to);
});

test("a language is refused with the reason (400 naming the field); translation is refused in one line", async () => {
  const answer = await fetch(`${server.origin}/v1/audio/transcriptions`, { method: "POST", body: audioForm(audioFile(zh.wav!), { language: "zh" }) });
  expect(answer.status).toBe(400);
  const body = (await answer.json()) as { error: { code: string; param: string; message: string } };
  expect(body.error).toMatchObject({ code: "unsupported_language", param: "language" });
  expect(body.error.message).toContain("paraformer-zh takes no language option");
  const translation = await fetch(`${server.origin}/v1/audio/translations`, { method: "POST", body: audioForm(audioFile(zh.wav!)) });
  expect(translation.status).toBe(400);
  const error = ((await translation.json()) as { error: { message: string } }).error.message;
  expect(error).toContain("has no language model");
  expect(error.split("\n")).toHaveLength(1);
});

test("stream: the transcript as text events", async () => {
  const stream = await client.audio.transcriptions.create({ file: audioFile(zh.wav!), model: "paraformer", stream: true });
  let text = "";
  for await (const event of stream) if (event.type === "transcript.text.delta") text += event.delta;
  expect(text).toBe(expected.funasr_result.text);
});
