import { describe, expect, test } from "bun:test";
import { groupTranslationsByOriginal } from "../../src/formats/bilingual";
import { formatSrt } from "../../src/formats/srt";
import type { Transcript, TranscriptSegment } from "../../src/formats/transcript";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

const segment = (start: number, end: number, text: string): TranscriptSegment => ({ start, end, text });

const ORIGINALS = [segment(0, 2, "一"), segment(2, 5, "二"), segment(8, 9, "三")];

describe("groupTranslationsByOriginal", () => {
  test("identical timings pair one to one", () => {
    const translations = [segment(0, 2, "one"), segment(2, 5, "two"), segment(8, 9, "three")];
    expect(groupTranslationsByOriginal(ORIGINALS, translations).map((group) => group.map((s) => s.text))).toEqual([
      ["one"],
      ["two"],
      ["three"],
    ]);
  });

  test("each translation goes to the original it overlaps longest, or to the nearest when it overlaps none", () => {
    const translations = [segment(0, 1, "a"), segment(1, 2.4, "b"), segment(1.5, 4.5, "c"), segment(6, 6.5, "d"), segment(7, 7.5, "e")];
    expect(groupTranslationsByOriginal(ORIGINALS, translations).map((group) => group.map((s) => s.text))).toEqual([
      ["a", "b"],
      ["c", "d"],
      ["e"],
    ]);
  });

  test("without originals there is nothing to pair with", () => {
    expect(groupTranslationsByOriginal([], [segment(0, 1, "x")])).toEqual([]);
  });
});

test("bilingual subtitles join a cue's translation segments into one line", () => {
  const transcript: Transcript = {
    text: "一二",
    language: "zh",
    durationSeconds: 5,
    segments: [segment(0, 2, "一"), segment(2, 5, "二")],
    translation: { language: "en", text: "One. Two, too.", segments: [segment(0, 2, "One."), segment(2, 3, "Two,"), segment(3, 5, " too. ")] },
  };
  expect(formatSrt(transcript, { bilingual: true })).toBe(
    "1\n00:00:00,000 --> 00:00:02,000\n一\nOne.\n\n2\n00:00:02,000 --> 00:00:05,000\n二\nTwo, too.\n",
  );
});
