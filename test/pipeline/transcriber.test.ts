/**
 * The library API on the tiny generated models: structure, determinism,
 * streaming, translation, batches, long audio and option errors. The text of a
 * random model is meaningless; what is asserted is everything around it.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AudioError, UsageError } from "../../src/errors";
import { joinTexts } from "../../src/pipeline/text";
import { Transcriber } from "../../src/pipeline/transcriber";
import { longSpeech, SPEECH_EN, SPEECH_ZH, writeWav } from "../helpers/audio";
import { tinyModel } from "../helpers/tiny-model";
import { allowSlowTests, SLOW_TEST_MS } from "../helpers/timeout";

allowSlowTests();

let qwen4b: Transcriber;
let nano: Transcriber;
const dir = mkdtempSync(join(tmpdir(), "mlx-asr-api-"));

beforeAll(async () => {
  qwen4b = await Transcriber.load(await tinyModel("funasr-qwen4b"));
  nano = await Transcriber.load(await tinyModel("fun-asr-nano"));
}, SLOW_TEST_MS);

describe("transcribe", () => {
  test("returns text, language, segments, duration and timings; the same input gives the same result", async () => {
    const a = await qwen4b.transcribe(SPEECH_ZH);
    const b = await qwen4b.transcribe(SPEECH_ZH);
    expect(a.text).toBe(b.text);
    // Not told and not reported by the model: unknown, never a default's guess.
    expect(a.language).toBeNull();
    expect((await qwen4b.transcribe(SPEECH_ZH, { language: "zh" })).language).toBe("zh");
    expect(a.durationSeconds).toBeCloseTo(3.4808, 4);
    expect(a.segments.length).toBeLessThanOrEqual(1);
    for (const s of a.segments) {
      expect(s.start).toBe(0);
      expect(s.end).toBeCloseTo(3.4808, 4);
      expect(s.text).toBe(a.text);
    }
    expect(a.timings.totalMs).toBeGreaterThan(0);
    expect(a.timings.encoderMs).toBeGreaterThan(0);
    expect(a.warnings).toEqual([]);
  });

  test("samples in memory at any rate equal the file", async () => {
    const wave = longSpeech(1, 0);
    const fromSamples = await qwen4b.transcribe({ samples: wave, sampleRate: 16000 });
    const fromFile = await qwen4b.transcribe(SPEECH_ZH);
    expect(fromSamples.text).toBe(fromFile.text);
    const plain = await qwen4b.transcribe(wave);
    expect(plain.text).toBe(fromFile.text);
  });

  test("Nano: language auto, zh and en use different prompts; hot words are accepted", async () => {
    const auto = await nano.transcribe(SPEECH_EN);
    expect(auto.warnings).toEqual([]);
    const withHotwords = await nano.transcribe(SPEECH_EN, { language: "en", hotwords: ["Qwen", "MLX"] });
    expect(withHotwords.language).toBe("en");
    expect(withHotwords.warnings).toEqual([]);
  });

  test("hot words on a family without a hot-word prompt: a warning, not silence", async () => {
    const r = await qwen4b.transcribe(SPEECH_ZH, { hotwords: ["阿里"] });
    expect(r.warnings).toEqual(["hot words are ignored: funasr-qwen4b has no hot-word prompt"]);
  });

  test("unsupported language and task are usage errors naming what is supported", async () => {
    await expect(qwen4b.transcribe(SPEECH_ZH, { language: "fr" })).rejects.toThrow(/funasr-qwen4b supports: zh/);
    await expect(qwen4b.transcribe(SPEECH_ZH, { language: "en" })).rejects.toThrow(UsageError);
    await expect(nano.transcribe(SPEECH_ZH, { task: "translate" })).rejects.toThrow(/cannot translate speech directly/);
  });

  test("bad audio is an AudioError; the transcriber stays usable", async () => {
    const bad = join(dir, "bad.wav");
    writeFileSync(bad, "RIFF....WAVEjunk");
    await expect(qwen4b.transcribe(bad)).rejects.toThrow(AudioError);
    expect((await qwen4b.transcribe(SPEECH_ZH)).durationSeconds).toBeGreaterThan(3);
  });
});

describe("streaming", () => {
  test("stream(): pieces concatenate to the result's text; onToken sees the same pieces", async () => {
    const seen: string[] = [];
    const stream = qwen4b.stream(SPEECH_ZH, { onToken: (p) => seen.push(p) });
    const pieces: string[] = [];
    let result;
    for (;;) {
      const next = await stream.next();
      if (next.done) {
        result = next.value;
        break;
      }
      pieces.push(next.value);
    }
    expect(pieces.join("")).toBe(result.text);
    expect(seen).toEqual(pieces);
    for (const p of pieces) expect(p).not.toContain("\uFFFD");
  });

  test("long audio streams across segments with the separator, still concatenating to the text", async () => {
    const wave = longSpeech(18);
    const pieces: string[] = [];
    const result = await nano.transcribe(wave, { onToken: (p) => pieces.push(p) });
    expect(pieces.join("")).toBe(result.text);
  });

  test("leaving the stream early cancels the work and frees the queue", async () => {
    const stream = qwen4b.stream(writeWav(join(dir, "long.wav"), longSpeech(20)));
    await stream.next();
    await stream.return(undefined as never);
    expect(qwen4b.pending).toBe(0);
    expect((await qwen4b.transcribe(SPEECH_ZH)).text).toBeString();
  });
});

describe("long audio", () => {
  test("is cut into pieces of at most the segment length with honest, ordered times", async () => {
    const wave = longSpeech(18);
    const r = await qwen4b.transcribe(wave, { segmentSeconds: 20 });
    expect(r.durationSeconds).toBeCloseTo(wave.length / 16000, 5);
    let previousEnd = 0;
    for (const s of r.segments) {
      expect(s.start).toBeGreaterThanOrEqual(previousEnd);
      expect(s.end - s.start).toBeLessThanOrEqual(20 + 1e-9);
      expect(s.end).toBeLessThanOrEqual(r.durationSeconds + 1e-9);
      previousEnd = s.end;
    }
  });

  test("segment texts are joined by the script at each joint, not by the requested language: English under zh keeps its spaces", async () => {
    const pieces: string[] = [];
    const streamed = await qwen4b.transcribe(longSpeech(12, 1, SPEECH_EN), { onToken: (p) => pieces.push(p) });
    expect(streamed.segments.length).toBeGreaterThan(1);
    expect(pieces.join("")).toBe(streamed.text);
    expect(streamed.text).toBe(joinTexts(streamed.segments.map((s) => s.text)));
    // This tiny model's pieces here are Latin-script, so the joints are spaces.
    expect(streamed.text).toContain(" ");
  });

  test("silence yields no segments and an empty transcript", async () => {
    const r = await qwen4b.transcribe(new Float32Array(16000 * 5));
    expect(r.segments).toEqual([]);
    expect(r.text).toBe("");
  });

  test("a per-call maximum length refuses longer input", async () => {
    await expect(qwen4b.transcribe(longSpeech(3), { maxSeconds: 5 })).rejects.toThrow(/over the limit of 5 s/);
  });
});

describe("translation and text", () => {
  test("transcribeAndTranslate gives the transcript and an English translation per segment", async () => {
    const r = await qwen4b.transcribeAndTranslate(SPEECH_ZH);
    expect(r.text).toBe((await qwen4b.transcribe(SPEECH_ZH)).text);
    expect(r.translation.language).toBe("en");
    expect(r.translation.segments.length).toBe(r.segments.length);
    expect(typeof r.translation.text).toBe("string");
  });

  test("speech → English in one pass (task translate) reports language en", async () => {
    const r = await qwen4b.transcribe(SPEECH_ZH, { task: "translate" });
    expect(r.language).toBe("en");
    expect(r.task).toBe("translate");
  });

  test("translate and generateText are deterministic for greedy decoding", async () => {
    expect(await qwen4b.translate("今天天气很好")).toBe(await qwen4b.translate("今天天气很好"));
    expect(typeof (await qwen4b.generateText("Say hi", { maxTokens: 8 }))).toBe("string");
  });

  test("sampling with a seed is reproducible", async () => {
    const options = { sampling: { temperature: 0.8, topK: 20, topP: 0.95, seed: 42 } };
    expect((await qwen4b.transcribe(SPEECH_ZH, options)).text).toBe((await qwen4b.transcribe(SPEECH_ZH, options)).text);
  });
});

describe("transcribeBatch", () => {
  test("every input gets a result or an error, in order, with progress", async () => {
    const missing = join(dir, "missing.wav");
    const progress: number[] = [];
    const items = await qwen4b.transcribeBatch([SPEECH_ZH, missing, SPEECH_EN], { concurrency: 2, onProgress: (p) => progress.push(p.done) });
    expect(items.map((i) => i.path)).toEqual([SPEECH_ZH, missing, SPEECH_EN]);
    expect(items[0]!.result!.text).toBe((await qwen4b.transcribe(SPEECH_ZH)).text);
    expect(items[1]!.error).toBeInstanceOf(AudioError);
    expect(items[2]!.result).toBeDefined();
    expect(progress).toEqual([1, 2, 3]);
  });
});

test("calls made at the same time run one after another and all complete", async () => {
  const results = await Promise.all([qwen4b.transcribe(SPEECH_ZH), qwen4b.translate("你好"), qwen4b.transcribe(SPEECH_EN)]);
  expect(results).toHaveLength(3);
  expect(qwen4b.pending).toBe(0);
});
