/**
 * A full queue answers 429 with the expected wait: requests ahead × the running
 * average of service time (at least 1 s), with clients refused in one burst
 * given successive slots — so OpenAI's SDK, which waits as told, gets through
 * with its default two retries instead of returning with the whole burst.
 */
import { afterAll, expect, test } from "bun:test";
import OpenAI from "openai";
import { FUNASR_QWEN4B } from "../../src/families/funasr-qwen4b";
import type { TranscriptionResult } from "../../src/pipeline/transcriber";
import { createApp } from "../../src/server/app";
import type { ServerContext } from "../../src/server/context";
import type { SpeechEngine } from "../../src/server/engine";
import { startHttpServer } from "../../src/server/http";
import { InferenceQueue } from "../../src/server/inference-queue";
import { allowSlowTests } from "../helpers/timeout";
import { audioFile, ZH_WAV } from "./harness";

allowSlowTests();

test("the wait is the requests ahead × the average service time, spread over a burst, never under 1 s", async () => {
  let clock = 0;
  const queue = new InferenceQueue(2, () => clock);
  const first = queue.admit()!;
  await first.waitTurn();
  // Before any request has finished, the running one's time so far (at least 1 s) stands in for the average.
  clock = 3000;
  const [b, c] = [queue.admit()!, queue.admit()!];
  expect(queue.admit()).toBeNull();
  expect(queue.retryAfterMs()).toBe(3 * 3000);
  clock = 4000;
  first.leave();
  await b.waitTurn();
  // Average service time 4 s; 3 admitted (b running, c and one more waiting)…
  const d = queue.admit()!;
  expect(queue.admit()).toBeNull();
  // …plus the client refused at 3 s, which has not come back yet (due at 12 s).
  expect(queue.retryAfterMs()).toBe((3 + 1) * 4000);
  expect(queue.retryAfterMs()).toBe((3 + 2) * 4000);
  // Once the first refused client's time has come, it no longer counts as ahead.
  clock = 12_001;
  expect(queue.retryAfterMs()).toBe((3 + 2) * 4000);
  for (const place of [b, c, d]) place.leave();
});

test("a fast engine still asks for at least 1 s", async () => {
  let clock = 0;
  const queue = new InferenceQueue(0, () => clock);
  const running = queue.admit()!;
  await running.waitTurn();
  clock = 50;
  running.leave();
  const next = queue.admit()!;
  await next.waitTurn();
  expect(queue.admit()).toBeNull();
  expect(queue.retryAfterMs()).toBe(1000);
  next.leave();
});

const SERVICE_MS = 150;
const CONCURRENT = 20;
const QUEUE = 3;

const result: TranscriptionResult = {
  text: "你好",
  language: "zh",
  durationSeconds: 1,
  segments: [{ start: 0, end: 1, text: "你好" }],
  timings: { audioMs: 0, frontendMs: 0, encoderMs: 0, prefillMs: 0, decodeMs: 0, totalMs: 0, tokens: 0, tokensPerSecond: 0, realTimeFactor: 0 },
  warnings: [],
};
const engine: SpeechEngine = {
  family: FUNASR_QWEN4B,
  transcribe: async () => {
    await Bun.sleep(SERVICE_MS);
    return result;
  },
  transcribeAndTranslate: () => Promise.reject(new Error("not used")),
  stream: () => {
    throw new Error("not used");
  },
};
const context: ServerContext = { engine, queue: new InferenceQueue(QUEUE), modelId: "stand-in", maxUploadBytes: 2 ** 24, startedAt: 0 };
const server = startHttpServer({ hostname: "127.0.0.1", port: 0, handler: createApp(context) });
afterAll(() => server.stop());

test(`${CONCURRENT} concurrent SDK calls against --queue ${QUEUE}: all answered within the SDK's default 2 retries`, async () => {
  const retryAfters: number[] = [];
  const client = new OpenAI({
    baseURL: `${server.url.origin}/v1`,
    apiKey: "unused",
    maxRetries: 2,
    fetch: async (url, init) => {
      const response = await fetch(url, init);
      if (response.status === 429) retryAfters.push(Number(response.headers.get("retry-after-ms")));
      return response;
    },
  });
  // One request first, so the server has measured its service time.
  await client.audio.transcriptions.create({ file: audioFile(ZH_WAV), model: "whisper-1" });
  const outcomes = await Promise.all(
    Array.from({ length: CONCURRENT }, () =>
      client.audio.transcriptions.create({ file: audioFile(ZH_WAV), model: "whisper-1" }).then(
        (answer) => answer.text,
        (e: unknown) => `failed: ${String(e)}`,
      ),
    ),
  );
  console.log(`retry-after-ms handed out: ${retryAfters.join(", ")}`);
  expect(outcomes).toEqual(Array.from({ length: CONCURRENT }, () => "你好"));
  // The burst was refused, and told to come back at different times.
  expect(retryAfters.length).toBeGreaterThanOrEqual(CONCURRENT - QUEUE - 1);
  expect(new Set(retryAfters).size).toBeGreaterThan(1);
  for (const ms of retryAfters) expect(ms).toBeGreaterThanOrEqual(1000);
});
