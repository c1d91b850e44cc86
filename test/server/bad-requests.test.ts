/**
 * Every bad request gets OpenAI's error shape with the right status: missing or
 * unreadable audio, oversize uploads (declared and streamed), malformed
 * multipart, bad fields, keys, routes and methods; a full queue is a 429; an
 * internal failure is one line; a client that goes away cancels its work.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { AuthenticationError } from "openai";
import { FUNASR_QWEN4B } from "../../src/families/funasr-qwen4b";
import type { TranscriptionResult } from "../../src/pipeline/transcriber";
import { createApp } from "../../src/server/app";
import type { ServerContext } from "../../src/server/context";
import type { EngineOptions, SpeechEngine } from "../../src/server/engine";
import { InferenceQueue } from "../../src/server/inference-queue";
import { audioFile, audioForm, longSpeechWav, startTestServer, tinyModel, ZH_WAV, type TestServer, type TinyModel } from "./harness";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

const API_KEY = "sk-test-mlx-asr";
const MAX_UPLOAD_BYTES = 8 * 2 ** 20;
const AUTH = { authorization: `Bearer ${API_KEY}` };

/** Each call that reached the engine: its signal and how it ended. */
interface EngineCall {
  readonly kind: "transcribe" | "stream";
  readonly signal: AbortSignal | undefined;
  readonly outcome: Promise<string>;
}

let model: TinyModel;
let server: TestServer;
const engineCalls: EngineCall[] = [];

function watched(engine: SpeechEngine): SpeechEngine {
  const record = (kind: EngineCall["kind"], options: EngineOptions, outcome: Promise<string>) => engineCalls.push({ kind, signal: options.signal, outcome });
  return {
    family: engine.family,
    transcribe: (path, options) => {
      const job = engine.transcribe(path, options);
      record("transcribe", options, job.then(() => "done", (e) => `failed:${(e as { code?: string }).code ?? (e as Error).message}`));
      return job;
    },
    transcribeAndTranslate: (path, options) => engine.transcribeAndTranslate(path, options),
    stream: (path, options) => {
      const pieces = engine.stream(path, options);
      let finish: (how: string) => void = () => undefined;
      record("stream", options, new Promise((resolve) => (finish = resolve)));
      return (async function* () {
        let completed = false;
        try {
          const result = yield* pieces;
          completed = true;
          return result;
        } finally {
          finish(completed ? "done" : "closed early");
        }
      })();
    },
  };
}

beforeAll(async () => {
  model = await tinyModel("funasr-qwen4b");
  server = await startTestServer(model.dir, { apiKey: API_KEY, maxUploadBytes: MAX_UPLOAD_BYTES, queue: 4, wrapEngine: watched });
});

afterAll(async () => {
  await server?.stop();
  model?.remove();
});

function post(path: string, body: RequestInit["body"], headers: Record<string, string> = AUTH, signal?: AbortSignal): Promise<Response> {
  return fetch(`${server.origin}${path}`, { method: "POST", body, headers, signal, duplex: "half" } as RequestInit);
}

/** Checks the status and OpenAI's error shape; `code` may be a matcher like expect.stringMatching. */
async function expectError(response: Response | Promise<Response>, status: number, code: unknown, param: string | null = null): Promise<string> {
  const answer = await response;
  const body = (await answer.json()) as { error: { message: string; type: string; param: string | null; code: string } };
  expect({ status: answer.status, code: body.error.code as unknown, param: body.error.param }).toEqual({ status, code, param });
  expect(Object.keys(body.error).sort()).toEqual(["code", "message", "param", "type"]);
  expect(body.error.message).not.toContain("\n");
  return body.error.message;
}

async function queueDepth(): Promise<{ running: number; waiting: number }> {
  return ((await (await fetch(`${server.origin}/health`)).json()) as { queue: { running: number; waiting: number } }).queue;
}

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await Bun.sleep(5);
  }
}

const TRANSCRIPTIONS = "/v1/audio/transcriptions";

describe("the audio", () => {
  test("missing file: 400", async () => {
    await expectError(post(TRANSCRIPTIONS, audioForm(null, { model: "whisper-1" })), 400, "missing_file", "file");
  });

  test("not audio: 400 with the decoder's message, naming the upload and not the temporary file", async () => {
    const notes = new Blob(["these are meeting notes, not a recording\n".repeat(20)]);
    const message = await expectError(post(TRANSCRIPTIONS, audioForm(notes, { model: "whisper-1" }, "notes.wav")), 400, expect.stringMatching(/^audio_/), "file");
    expect(message).toStartWith("notes.wav: ");
    expect(message).not.toContain("mlx-asr-upload");
  });

  test("corrupt audio (a truncated WAV): 400 audio_truncated", async () => {
    const wav = readFileSync(ZH_WAV);
    const truncated = new Blob([wav.subarray(0, wav.length / 2)]);
    const message = await expectError(post(TRANSCRIPTIONS, audioForm(truncated, {}, "cut.wav")), 400, "audio_truncated", "file");
    expect(message).toContain("truncated");
  });
});

describe("the upload", () => {
  const oversize = () => new Uint8Array(MAX_UPLOAD_BYTES + 2 ** 20);

  test("a declared Content-Length over the limit: 413 before the body is read", async () => {
    const message = await expectError(post(TRANSCRIPTIONS, oversize(), { ...AUTH, "content-type": "multipart/form-data; boundary=x" }), 413, "upload_too_large");
    expect(message).toContain("9 MB, over this server's limit of 8 MB");
  });

  test("a chunked upload that grows over the limit: 413 while reading", async () => {
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 9; i++) controller.enqueue(new Uint8Array(2 ** 20));
        controller.close();
      },
    });
    await expectError(post(TRANSCRIPTIONS, chunks, { ...AUTH, "content-type": "multipart/form-data; boundary=x" }), 413, "upload_too_large");
  });

  test("malformed multipart: 400", async () => {
    await expectError(post(TRANSCRIPTIONS, "--x\r\nnot a part", { ...AUTH, "content-type": "multipart/form-data; boundary=x" }), 400, "invalid_multipart");
  });

  test("not multipart at all: 400", async () => {
    await expectError(post(TRANSCRIPTIONS, JSON.stringify({ file: "x" }), { ...AUTH, "content-type": "application/json" }), 400, "invalid_content_type");
  });
});

describe("the fields", () => {
  const ask = (fields: Record<string, string>, path = TRANSCRIPTIONS) => post(path, audioForm(audioFile(ZH_WAV), fields));

  test("word timestamps: 400 explaining that only segment timestamps exist", async () => {
    const message = await expectError(ask({ "timestamp_granularities[]": "word" }), 400, "unsupported_timestamp_granularity", "timestamp_granularities[]");
    expect(message).toContain("segment timestamps only");
    expect(message).toContain("from funasr-qwen4b");
  });

  test("an unknown response_format, an out-of-range temperature, an unsupported language: 400 naming the field", async () => {
    await expectError(ask({ response_format: "diarized_json" }), 400, "invalid_value", "response_format");
    await expectError(ask({ temperature: "1.5" }), 400, "invalid_value", "temperature");
    const message = await expectError(ask({ language: "en" }), 400, "unsupported_language", "language");
    expect(message).toContain("supported: zh");
  });

  test("stream on translations: 400", async () => {
    await expectError(ask({ stream: "true" }, "/v1/audio/translations"), 400, "unsupported_parameter", "stream");
  });
});

describe("keys, routes and methods", () => {
  test("a missing or wrong API key: 401 (the SDK sees an AuthenticationError)", async () => {
    await expectError(post(TRANSCRIPTIONS, audioForm(audioFile(ZH_WAV)), {}), 401, "missing_api_key");
    const wrong = await server
      .client("sk-wrong")
      .audio.transcriptions.create({ file: audioFile(ZH_WAV), model: "whisper-1" })
      .catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(AuthenticationError);
    expect([(wrong as AuthenticationError).status, (wrong as AuthenticationError).code]).toEqual([401, "invalid_api_key"]);
    expect((await server.client(API_KEY).audio.transcriptions.create({ file: audioFile(ZH_WAV), model: "whisper-1" })).text).toBeString();
  });

  test("/health needs no key", async () => {
    expect((await fetch(`${server.origin}/health`)).status).toBe(200);
  });

  test("an unknown route: 404; a wrong method: 405 with Allow", async () => {
    await expectError(fetch(`${server.origin}/v1/audio/speech`, { method: "POST", headers: AUTH }), 404, "unknown_url");
    const wrongMethod = await fetch(`${server.origin}${TRANSCRIPTIONS}`, { headers: AUTH });
    expect(wrongMethod.headers.get("allow")).toBe("POST");
    await expectError(wrongMethod, 405, "method_not_allowed");
  });
});

describe("a client that goes away", () => {
  const long = () => new Blob([longSpeechWav(120)]);

  test("mid-transcription: the engine job is cancelled and the engine freed", async () => {
    const calls = engineCalls.length;
    const client = new AbortController();
    const request = post(TRANSCRIPTIONS, audioForm(long()), AUTH, client.signal).catch((e: Error) => e.name);
    await until(async () => (await queueDepth()).running === 1 && engineCalls.length > calls, "the long request runs");
    client.abort();
    expect(await request).toBe("AbortError");
    const call = engineCalls[calls]!;
    expect(await call.outcome).toBe("failed:CANCELLED");
    expect(call.signal?.aborted).toBe(true);
    await until(async () => (await queueDepth()).running === 0, "the engine is free");
  });

  test("mid-stream: the stream is closed early and its job cancelled", async () => {
    const calls = engineCalls.length;
    const client = new AbortController();
    const response = await post(TRANSCRIPTIONS, audioForm(long(), { stream: "true" }), AUTH, client.signal);
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toStartWith('data: {"type":"transcript.text.delta"');
    client.abort();
    const call = engineCalls[calls]!;
    expect(await call.outcome).toBe("closed early");
    expect(call.signal?.aborted).toBe(true);
    await until(async () => (await queueDepth()).running === 0, "the engine is free");
  });

  test("while queued: it leaves the queue without reaching the engine", async () => {
    const calls = engineCalls.length;
    const running = post(TRANSCRIPTIONS, audioForm(long()));
    await until(async () => (await queueDepth()).running === 1, "the first request runs");
    const client = new AbortController();
    const queued = post(TRANSCRIPTIONS, audioForm(audioFile(ZH_WAV)), AUTH, client.signal).catch((e: Error) => e.name);
    await until(async () => (await queueDepth()).waiting === 1, "the second request waits");
    client.abort();
    expect(await queued).toBe("AbortError");
    await until(async () => (await queueDepth()).waiting === 0, "the queue is empty");
    expect((await queueDepth()).running).toBe(1);
    expect((await running).status).toBe(200);
    expect(engineCalls.length).toBe(calls + 1);
  });
});

describe("the handler called directly, with a stand-in engine", () => {
  const result: TranscriptionResult = {
    text: "你好",
    language: "zh",
    durationSeconds: 1,
    segments: [{ start: 0, end: 1, text: "你好" }],
    timings: { audioMs: 0, frontendMs: 0, encoderMs: 0, prefillMs: 0, decodeMs: 0, totalMs: 0, tokens: 0, tokensPerSecond: 0, realTimeFactor: 0 },
    warnings: [],
  };

  function appWith(transcribe: SpeechEngine["transcribe"], queue = new InferenceQueue(0)) {
    const engine: SpeechEngine = {
      family: FUNASR_QWEN4B,
      transcribe,
      transcribeAndTranslate: () => Promise.reject(new Error("not used")),
      stream: () => {
        throw new Error("not used");
      },
    };
    const context: ServerContext = { engine, queue, modelId: "stand-in", maxUploadBytes: MAX_UPLOAD_BYTES, startedAt: 0 };
    return createApp(context);
  }

  const request = () => new Request(`http://localhost${TRANSCRIPTIONS}`, { method: "POST", body: audioForm(audioFile(ZH_WAV)) });

  test("a full queue: 429 with Retry-After, while the admitted request completes", async () => {
    let release = () => undefined as void;
    const app = appWith(() => new Promise((resolve) => (release = () => resolve(result))));
    const first = app(request());
    const refused = await app(request());
    // Nothing has finished yet and the running request has just started: the 1 s floor.
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(refused.headers.get("retry-after-ms")).toBe("1000");
    expect(((await refused.clone().json()) as { error: { type: string } }).error.type).toBe("rate_limit_error");
    await expectError(refused, 429, "queue_full");
    await Bun.sleep(20);
    release();
    expect(await (await first).json()).toEqual({ text: "你好", usage: { type: "duration", seconds: 1 } });
  });

  test("an internal failure: 500 with one line, no stack trace", async () => {
    const app = appWith(() => Promise.reject(new TypeError("engine exploded\n    at secretFunction (/home/me/src/engine.ts:12:3)")));
    const response = await app(request());
    const message = await expectError(response, 500, "internal_error");
    expect(message).toBe("internal error: engine exploded");
  });
});
