/**
 * Live sessions over a one-pass recognizer that times its words. A scripted
 * recognizer reads "words" off the samples (each run of a constant non-zero value
 * is one word, its character given by the value), so what must be committed when is
 * known exactly; then the real Paraformer fixture model, through the library.
 */
import { describe, expect, test } from "bun:test";
import type { FeatureExtractor } from "../../../src/audio/features/feature-extractor";
import { loadAudio } from "../../../src/audio/load";
import { toFloat32Array } from "../../../src/engine/transfer";
import { UsageError } from "../../../src/errors";
import type { Tensor } from "../../../src/engine/mlx";
import type { RerunLiveDefaults } from "../../../src/families/family";
import type { LiveUpdate } from "../../../src/pipeline/live/live-session";
import { DEFAULT_RERUN_LIVE, rerunLiveSettings } from "../../../src/pipeline/live/live-settings";
import { RerunLiveSession } from "../../../src/pipeline/live/rerun-live-session";
import type { RecognitionRequest, RecognizedPiece, Recognizer } from "../../../src/pipeline/recognizers/recognizer";
import { Transcriber } from "../../../src/pipeline/transcriber";
import { familyFile, familyUtterances } from "../../helpers/family-fixtures";
import { allowSlowTests } from "../../helpers/timeout";

allowSlowTests();

const RATE = 16000;

/** A word: `seconds` of the constant value `code` (its character is U+4E00 + code). */
interface Spoken {
  readonly code: number;
  readonly seconds: number;
  /** Silence after it. */
  readonly pause: number;
}

function speak(words: readonly Spoken[], leadIn = 0.5): Float32Array {
  const total = leadIn + words.reduce((sum, w) => sum + w.seconds + w.pause, 0);
  const out = new Float32Array(Math.round(total * RATE));
  let at = Math.round(leadIn * RATE);
  for (const w of words) {
    const length = Math.round(w.seconds * RATE);
    out.fill(w.code / 100, at, at + length);
    at += length + Math.round(w.pause * RATE);
  }
  return out;
}

const character = (value: number) => String.fromCodePoint(0x4e00 + Math.round(value * 100));

/** Words read off the samples; a run touching the end of the window is a word as far as it goes, as a real recognizer reports it. */
class ScriptedRecognizer implements Recognizer {
  readonly features = {} as FeatureExtractor;
  readonly windows: number[] = [];
  constructor(readonly rerunsLive: RerunLiveDefaults) {}

  async recognize(samples: Tensor, _source: string, request: RecognitionRequest): Promise<RecognizedPiece> {
    const data = toFloat32Array(samples);
    this.windows.push(data.length / RATE);
    const words = [];
    let at = 0;
    while (at < data.length) {
      if (data[at] === 0) {
        at++;
        continue;
      }
      const value = data[at]!;
      let end = at;
      while (end < data.length && data[end] === value) end++;
      words.push({ start: at / RATE, end: end / RATE, text: character(value) });
      at = end;
    }
    expect(request.durationSeconds).toBeCloseTo(data.length / RATE, 6);
    const text = words.map((w) => w.text).join("");
    return { text, tokens: words.map((_, i) => i), language: "zh", stop: "complete", words, verbatim: true, timings: { frontendMs: 0, encoderMs: 1, prefillMs: 0, decodeMs: 1 } };
  }
}

async function session(samples: Float32Array, settings: Partial<RerunLiveDefaults> = {}, pieceSeconds = 0.5) {
  const recognizer = new ScriptedRecognizer(rerunLiveSettings(DEFAULT_RERUN_LIVE, settings));
  const updates: LiveUpdate[] = [];
  const live = new RerunLiveSession(recognizer, {
    request: { task: "transcribe", language: "auto", hotwords: [] },
    settings: recognizer.rerunsLive,
    warnings: [],
    onUpdate: (u) => updates.push(u),
    exclusive: (job) => job(),
  });
  const piece = Math.round(pieceSeconds * RATE);
  for (let at = 0; at < samples.length; at += piece) {
    live.feed(samples.subarray(at, at + piece), RATE);
    await live.drain();
  }
  return { updates, result: await live.finish(), windows: recognizer.windows };
}

const WORDS: Spoken[] = Array.from({ length: 40 }, (_, i) => ({ code: 1 + (i % 50), seconds: 0.2 + (i % 3) * 0.1, pause: i % 7 === 6 ? 1.2 : 0.15 }));
const SAID = WORDS.map((w) => character(w.code / 100)).join("");

describe("a live session over a one-pass recognizer", () => {
  test("every word is committed once, in order; committed text only grows and adds up to the transcript", async () => {
    const { updates, result } = await session(speak(WORDS));
    expect(result.text).toBe(SAID);
    let previous = "";
    for (const u of updates) {
      expect(u.committed).toBe(previous + u.added);
      previous = u.committed;
    }
    expect(updates.map((u) => u.added).join("")).toBe(SAID);
    // Text is committed while the audio comes, not all at the end.
    expect(updates.at(-1)!.added.length).toBeLessThan(SAID.length / 4);
    expect(updates.filter((u) => u.added !== "").length).toBeGreaterThan(5);
  });

  test("a chunk a second (the default) whatever the pieces fed; words ending within the margin stay tentative", async () => {
    const samples = speak(WORDS);
    const { updates } = await session(samples, {}, 0.3);
    expect(updates.filter((u) => !u.chunk.final)).toHaveLength(Math.floor(samples.length / RATE));
    for (const u of updates.filter((x) => !x.chunk.final)) {
      expect(u.chunk.audioSeconds % 1).toBeCloseTo(0, 6);
      expect(u.chunk.newSeconds).toBeCloseTo(1, 6);
    }
    const third = updates[3]!;
    expect(third.committed + third.tentative).toBe(SAID.slice(0, (third.committed + third.tentative).length));
  });

  test("the audio before the last commit is let go: each pass sees a few seconds, however long the session", async () => {
    const long = Array.from({ length: 6 }, () => WORDS).flat();
    const { result, windows } = await session(speak(long));
    expect(result.text).toBe(SAID.repeat(6));
    expect(result.durationSeconds).toBeGreaterThan(100);
    expect(Math.max(...windows)).toBeLessThan(DEFAULT_RERUN_LIVE.chunkSeconds + DEFAULT_RERUN_LIVE.settleSeconds + 1);
  });

  test("silence is let go up to the margin, and gives no text", async () => {
    const { result, windows, updates } = await session(new Float32Array(30 * RATE));
    expect(result.text).toBe("");
    expect(result.segments).toEqual([]);
    expect(updates.every((u) => u.committed === "" && u.tentative === "")).toBe(true);
    expect(Math.max(...windows)).toBeLessThanOrEqual(DEFAULT_RERUN_LIVE.chunkSeconds + DEFAULT_RERUN_LIVE.settleSeconds + 1e-6);
  });

  test("segments hold the committed words on the session's clock, in order, cut between words", async () => {
    const samples = speak(WORDS);
    const { result } = await session(samples);
    const words = result.segments.flatMap((s) => s.words ?? []);
    expect(words.map((w) => w.text).join("")).toBe(SAID);
    let at = 0.5;
    WORDS.forEach((w, i) => {
      expect(words[i]!.start).toBeCloseTo(at, 3);
      expect(words[i]!.end).toBeCloseTo(at + w.seconds, 3);
      at += w.seconds + w.pause;
    });
    for (const segment of result.segments) {
      for (const w of segment.words ?? []) {
        expect(w.start).toBeGreaterThanOrEqual(segment.start - 1e-9);
        expect(w.end).toBeLessThanOrEqual(segment.end + 1e-9);
      }
    }
    expect(result.segments.map((s) => s.text).join("")).toBe(SAID);
    expect(result.language).toBe("zh");
  });

  test("a word still going on when the window is full is not cut: the window grows past it, then commits it", async () => {
    const drawn: Spoken[] = [{ code: 7, seconds: 6, pause: 0.2 }, { code: 8, seconds: 0.3, pause: 3 }];
    const { result, windows } = await session(speak(drawn), { windowSeconds: 4 });
    expect(result.text).toBe(character(0.07) + character(0.08));
    expect(Math.max(...windows)).toBeGreaterThan(4);
    expect(Math.max(...windows)).toBeLessThanOrEqual(8);
  });

  test("at twice the window's length everything is committed, so memory stays bounded whatever the recognizer says", async () => {
    const endless: Spoken[] = [{ code: 9, seconds: 20, pause: 0.5 }];
    const { result, windows } = await session(speak(endless, 0), { windowSeconds: 4 });
    expect(Math.max(...windows)).toBeLessThanOrEqual(8 + DEFAULT_RERUN_LIVE.chunkSeconds);
    expect(new Set(result.text)).toEqual(new Set([character(0.09)]));
    expect(result.text.length).toBeGreaterThan(1);
  });
});

describe("rerun live settings", () => {
  test("the recognizer's own, with a caller's overrides of the names it has; bad values refused in one line", () => {
    expect(rerunLiveSettings(undefined)).toEqual(DEFAULT_RERUN_LIVE);
    expect(rerunLiveSettings({ chunkSeconds: 0.6, settleSeconds: 1, windowSeconds: 12 }, { settleSeconds: 2, rollbackTokens: 3 })).toEqual({ chunkSeconds: 0.6, settleSeconds: 2, windowSeconds: 12 });
    expect(() => rerunLiveSettings(undefined, { chunkSeconds: 0 })).toThrow(UsageError);
    expect(() => rerunLiveSettings(undefined, { settleSeconds: Number.NaN })).toThrow("live settleSeconds");
    expect(() => rerunLiveSettings(undefined, { windowSeconds: 2 })).toThrow("at least the chunk and the settling margin");
  });
});

describe("Paraformer live, through the library", () => {
  const transcriber = Transcriber.load(familyFile("paraformer-zh", "model"), { checkMemory: false });
  const utterance = familyUtterances("paraformer-zh").find((u) => u.id === "asr_example_5s")!;

  test("a recording shorter than a chunk is decoded once, at the end: the offline transcript, words and all", async () => {
    const t = await transcriber;
    const audio = loadAudio(utterance.wav!);
    const offline = await t.transcribe(utterance.wav!);
    const live = t.live({ settings: { chunkSeconds: 10 } });
    live.feed(toFloat32Array(audio.samples), audio.sampleRate);
    const result = await live.finish();
    expect(result.text).toBe(offline.text);
    expect(result.language).toBe("zh");
    expect(result.segments.flatMap((s) => s.words ?? [])).toEqual(offline.segments.flatMap((s) => s.words ?? []));
  });

  test("fed in pieces: committed text grows during the recording, the updates add up to the transcript", async () => {
    const t = await transcriber;
    const audio = loadAudio(utterance.wav!);
    const samples = toFloat32Array(audio.samples);
    const repeated = new Float32Array(samples.length * 3);
    for (let i = 0; i < 3; i++) repeated.set(samples, i * samples.length);
    const updates: LiveUpdate[] = [];
    const live = t.live({ onUpdate: (u) => updates.push(u), settings: { chunkSeconds: 1, settleSeconds: 1 } });
    const piece = Math.round(0.4 * audio.sampleRate);
    for (let at = 0; at < repeated.length; at += piece) {
      live.feed(repeated.subarray(at, at + piece), audio.sampleRate);
      await live.drain();
    }
    const result = await live.finish();
    expect(result.text.length).toBeGreaterThan(0);
    expect(updates.map((u) => u.added).join("")).toBe(result.text);
    expect(updates.slice(0, -1).some((u) => u.added !== "")).toBe(true);
    expect(updates.every((u) => u.chunk.prefillMs === 0 && u.chunk.encoderMs >= 0)).toBe(true);
  });

  test("hot words are refused in one line, as offline", async () => {
    const t = await transcriber;
    expect(() => t.live({ hotwords: ["魔搭"] })).toThrow(UsageError);
  });
});
