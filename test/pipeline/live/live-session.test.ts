/**
 * Live sessions through the library on a tiny random Qwen3-ASR: committed text only
 * grows, the pieces add up to it and to the final transcript, figures for every
 * chunk, resampling of other rates, and the settings' bounds.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { loadAudio } from "../../../src/audio/load";
import { toFloat32Array } from "../../../src/engine/transfer";
import { UsageError } from "../../../src/errors";
import { QWEN3_ASR } from "../../../src/families/qwen3-asr";
import type { LlmPromptedRecipe } from "../../../src/families/family";
import type { LiveUpdate } from "../../../src/pipeline/live/live-session";
import { DEFAULT_LIVE, liveSettings } from "../../../src/pipeline/live/live-settings";
import { Transcriber } from "../../../src/pipeline/transcriber";
import { longSpeech } from "../../helpers/audio";
import { FIXTURES } from "../../helpers/fixtures";
import { talkativeTinyModel } from "../../helpers/live-model";
import { allowSlowTests } from "../../helpers/timeout";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { makeTinyModel } from "../../../scripts/make-tiny-model";
import { tinyModel } from "../../helpers/tiny-model";

allowSlowTests();

let transcriber: Transcriber;
beforeAll(async () => {
  transcriber = await Transcriber.load(await talkativeTinyModel(), { checkMemory: false });
}, 120_000);

/** Feeds `samples` in pieces of `pieceSeconds`, waiting for each to be decoded; the updates and the result. */
async function run(samples: Float32Array, sampleRate: number, options: Parameters<Transcriber["live"]>[0] = {}, pieceSeconds = 2) {
  const updates: LiveUpdate[] = [];
  const live = transcriber.live({ language: "en", ...options, onUpdate: (u) => updates.push(u) });
  const piece = Math.round(pieceSeconds * sampleRate);
  for (let at = 0; at < samples.length; at += piece) {
    live.feed(samples.subarray(at, at + piece), sampleRate);
    await live.drain();
  }
  return { updates, result: await live.finish(), live };
}

describe("a live session", () => {
  test("committed text only grows, its pieces add up to it and to the final transcript; every chunk has its figures", async () => {
    const samples = longSpeech(3);
    const { updates, result } = await run(samples, 16000, { settings: { rollbackTokens: 1 } });
    expect(updates.length).toBe(Math.ceil(samples.length / 32000));
    let previous = "";
    for (const u of updates) {
      expect(u.committed.startsWith(previous)).toBe(true);
      expect(u.committed).toBe(previous + u.added);
      previous = u.committed;
      expect(u.chunk.processingMs).toBeGreaterThan(0);
      expect(u.chunk.realTimeFactor).toBeGreaterThan(0);
    }
    // Some text is committed before the end (the first 2 chunks commit nothing).
    expect(updates.slice(0, 2).every((u) => u.committed === "")).toBe(true);
    expect(updates.slice(2, -1).some((u) => u.added !== "")).toBe(true);
    expect(result.text).toBe(updates.map((u) => u.added).join(""));
    expect(result.text.length).toBeGreaterThan(0);
    expect(result.language).toBe("en");
    expect(result.durationSeconds).toBeCloseTo(samples.length / 16000, 3);
    expect(result.segments.map((s) => s.text).join("").replace(/\s+/g, "")).toBe(result.text.replace(/\s+/g, ""));
    expect(result.segments.every((s, i) => s.start <= s.end && (i === 0 || s.start === result.segments[i - 1]!.end))).toBe(true);
    expect(updates.at(-1)!.chunk.final).toBe(true);
    expect(updates.at(-1)!.tentative).toBe("");
    expect(result.timings.totalMs).toBeGreaterThan(0);
  });

  test("with the family's settings (5 tokens rolled back) the same holds", async () => {
    const { updates, result } = await run(longSpeech(2), 16000);
    let previous = "";
    for (const u of updates) {
      expect(u.committed.startsWith(previous)).toBe(true);
      previous = u.committed;
    }
    expect(result.text).toBe(updates.map((u) => u.added).join(""));
  });

  test("the prompt's text and completed windows are prefilled once: later passes reuse them until a window is let go", async () => {
    const { updates } = await run(longSpeech(4), 16000, { settings: { chunkSeconds: 1, encoderWindowSeconds: 2, contextWindows: 2 } }, 1);
    const fresh = updates.filter((u) => u.chunk.promptPositions > 0);
    expect(fresh[0]!.chunk.reusedPositions).toBe(0);
    expect(fresh.every((u) => u.chunk.reusedPositions < u.chunk.promptPositions)).toBe(true);
    // The text before the audio at least, from the second pass on, except when the oldest window was let go.
    const reusing = fresh.slice(1).filter((u) => u.chunk.reusedPositions > 0);
    expect(reusing.length).toBeGreaterThanOrEqual(fresh.length / 2);
    expect(fresh.some((u, i) => i > 0 && u.chunk.reusedPositions > fresh[1]!.chunk.reusedPositions)).toBe(true);
  });

  test("audio at another rate is resampled as it comes; audio fed faster than it is decoded is taken in larger passes", async () => {
    const file = join(FIXTURES, "audio", "zh_8k.wav");
    const samples = toFloat32Array(loadAudio(file).samples);
    const eight = new Float32Array(Math.ceil(samples.length / 2));
    for (let i = 0; i < eight.length; i++) eight[i] = samples[2 * i]!;
    const updates: LiveUpdate[] = [];
    const live = transcriber.live({ language: "en", onUpdate: (u) => updates.push(u) });
    for (let at = 0; at < eight.length; at += 4000) live.feed(eight.subarray(at, at + 4000), 8000);
    const result = await live.finish();
    // All of it was fed before the first pass began: one pass for the whole chunks, one for the rest.
    expect(updates.length).toBe(2);
    expect(result.durationSeconds).toBeCloseTo(eight.length / 8000, 2);
    expect(updates.at(-1)!.chunk.audioSeconds).toBeCloseTo(eight.length / 8000, 2);
    expect(result.text).toBe(updates.map((u) => u.added).join(""));
  });

  test("finishing without audio gives an empty transcript; feeding after finish, another rate, or NaN are refused", async () => {
    const empty = await transcriber.live().finish();
    expect(empty.text).toBe("");
    expect(empty.durationSeconds).toBe(0);
    const live = transcriber.live();
    live.feed(new Float32Array(100), 16000);
    expect(() => live.feed(new Float32Array(100), 8000)).toThrow("sample rate changed from 16000 Hz to 8000 Hz");
    expect(() => live.feed(new Float32Array([0, Number.NaN]), 16000)).toThrow("NaN");
    await live.finish();
    expect(() => live.feed(new Float32Array(100), 16000)).toThrow("after finish");
  });

  test("a language the family does not list is refused before any audio", () => {
    expect(() => transcriber.live({ language: "xx" })).toThrow("qwen3-asr supports");
  });
});

describe("every LLM-prompted family", () => {
  test("Fun-ASR-Nano (no live settings of its own, no marker before its text) runs live with the defaults", async () => {
    const nano = await Transcriber.load(await tinyModel("fun-asr-nano"), { checkMemory: false });
    const updates: LiveUpdate[] = [];
    const live = nano.live({ language: "zh", onUpdate: (u) => updates.push(u) });
    const samples = longSpeech(2);
    for (let at = 0; at < samples.length; at += 32000) {
      live.feed(samples.subarray(at, at + 32000), 16000);
      await live.drain();
    }
    const result = await live.finish();
    expect(result.text).toBe(updates.map((u) => u.added).join(""));
    expect(updates.length).toBe(Math.ceil(samples.length / 32000));
  });

  test("GLM-ASR-Nano's live windows are its 30 s windows: a recording shorter than a chunk gives the offline transcript", async () => {
    const glm = await Transcriber.load(await tinyModel("glm-asr-nano"), { checkMemory: false });
    const samples = longSpeech(1).subarray(0, 5 * 16000);
    const offline = await glm.transcribe(samples);
    const live = glm.live({ settings: { chunkSeconds: 10 } });
    live.feed(samples, 16000);
    const result = await live.finish();
    expect(offline.text.length).toBeGreaterThan(0);
    expect(result.text).toBe(offline.text);
    const pieces = glm.live();
    for (let at = 0; at < samples.length; at += 32000) {
      pieces.feed(samples.subarray(at, at + 32000), 16000);
      await pieces.drain();
    }
    expect(pieces.chunks.every((c) => c.encoderMs > 0)).toBe(true);
    expect((await pieces.finish()).text.length).toBeGreaterThan(0);
  });
});

describe("live settings", () => {
  test("the family's own, else the defaults; bad values refused", () => {
    expect(liveSettings(QWEN3_ASR.recipe as LlmPromptedRecipe)).toEqual({ chunkSeconds: 2, encoderWindowSeconds: 8, contextWindows: 4, unfixedChunks: 2, rollbackTokens: 5, maxNewTokens: 32, prefixTokens: 150 });
    const bare = { ...(QWEN3_ASR.recipe as LlmPromptedRecipe), live: undefined };
    expect(liveSettings(bare)).toEqual(DEFAULT_LIVE);
    expect(liveSettings(bare, { rollbackTokens: 2 }).rollbackTokens).toBe(2);
    expect(() => liveSettings(bare, { maxNewTokens: 0 })).toThrow(UsageError);
    expect(() => liveSettings(bare, { rollbackTokens: 1.5 })).toThrow("whole number");
    expect(() => liveSettings(bare, { chunkSeconds: 10 })).toThrow("at least the chunk");
  });
});
