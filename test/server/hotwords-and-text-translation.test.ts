/**
 * A tiny Fun-ASR-Nano model behind the server: `prompt` becomes hot words,
 * translations go through transcription plus text translation (this family
 * cannot translate speech directly), and its languages are checked. Each
 * answer is compared with the Transcriber called directly on the same model.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type OpenAI from "openai";
import type { TranslationVerbose } from "openai/resources/audio/translations";
import { Transcriber } from "../../src/pipeline/transcriber";
import { WARNING_HEADER } from "../../src/server/transcript-responses";
import { audioFile, audioForm, startTestServer, tinyModel, ZH_WAV, type TestServer, type TinyModel } from "./harness";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

let model: TinyModel;
let server: TestServer;
let client: OpenAI;
let direct: Transcriber;

beforeAll(async () => {
  model = await tinyModel("fun-asr-nano");
  [server, direct] = await Promise.all([startTestServer(model.dir), Transcriber.load(model.dir)]);
  client = server.client();
});

afterAll(async () => {
  await server?.stop();
  model?.remove();
});

describe("prompt as hot words", () => {
  test("split on commas, Chinese commas and newlines, and given to the model as hot words", async () => {
    const { data, response } = await client.audio.transcriptions
      .create({ file: audioFile(ZH_WAV), model: "whisper-1", prompt: "阿里巴巴，通义\n千问, Qwen" })
      .withResponse();
    expect(response.headers.get(WARNING_HEADER)).toBeNull();
    const withHotwords = await direct.transcribe(ZH_WAV, { hotwords: ["阿里巴巴", "通义", "千问", "Qwen"] });
    const without = await direct.transcribe(ZH_WAV);
    expect(data.text).toBe(withHotwords.text);
    // The hot-word prompt changes what this random model says, so the prompt really reached it.
    expect(data.text).not.toBe(without.text);
  });
});

describe("translations without speech translation", () => {
  test("transcribe, then translate each segment's text to English", async () => {
    const expected = await direct.transcribeAndTranslate(ZH_WAV);
    const json = await client.audio.translations.create({ file: audioFile(ZH_WAV), model: "whisper-1" });
    expect(json.text).toBe(expected.translation.text);
    // openai 7.55 types every translation as Translation (its response_format ignores the overload's type parameter).
    const verbose = (await client.audio.translations.create({ file: audioFile(ZH_WAV), model: "whisper-1", response_format: "verbose_json" })) as unknown as TranslationVerbose;
    expect(verbose.language).toBe("english");
    expect(verbose.segments!.map((s) => s.text)).toEqual(expected.translation.segments.map((s) => s.text));
  });
});

describe("languages", () => {
  test("a language of the family is used", async () => {
    const verbose = await client.audio.transcriptions.create({ file: audioFile(ZH_WAV), model: "whisper-1", language: "ja", response_format: "verbose_json" });
    expect(verbose.language).toBe("japanese");
    expect(verbose.text).toBe((await direct.transcribe(ZH_WAV, { language: "ja" })).text);
  });

  test("another language is a 400 that names the supported ones", async () => {
    const response = await fetch(`${server.origin}/v1/audio/transcriptions`, {
      method: "POST",
      body: audioForm(audioFile(ZH_WAV), { model: "whisper-1", language: "fr" }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: {
        message: 'Language "fr" is not supported by fun-asr-nano; supported: zh, en, ja, auto.',
        type: "invalid_request_error",
        param: "language",
        code: "unsupported_language",
      },
    });
  });
});

describe("streaming", () => {
  test("several deltas, concatenating to the done text and the non-streamed text", async () => {
    const events = await client.audio.transcriptions.create({ file: audioFile(ZH_WAV), model: "whisper-1", stream: true, prompt: "阿里巴巴" });
    const deltas: string[] = [];
    let done = "";
    for await (const event of events) {
      if (event.type === "transcript.text.delta") deltas.push(event.delta);
      if (event.type === "transcript.text.done") done = event.text;
    }
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join("")).toBe(done);
    const whole = await client.audio.transcriptions.create({ file: audioFile(ZH_WAV), model: "whisper-1", prompt: "阿里巴巴" });
    expect(done).toBe(whole.text);
  });
});
