/**
 * Word times in the formats: verbose_json's OpenAI `words` array, and subtitle
 * cues cut on word times (line width with CJK counted double, the longest a cue
 * stays, pauses), joined with spaces only between words written with spaces;
 * segments without word times keep one cue each.
 */
import { describe, expect, test } from "bun:test";
import { formatTranscript } from "../../src/formats";
import { toVerboseJson } from "../../src/formats/json";
import type { Transcript, TranscriptWord } from "../../src/formats/transcript";
import { CUE_PAUSE_SECONDS, joinWords, MAX_CUE_COLUMNS, MAX_CUE_SECONDS, wordCues } from "../../src/formats/word-cues";

/** `text` one character (or space-separated English word) per 0.2 s from `start`. */
function timed(text: string, start = 0, step = 0.2): TranscriptWord[] {
  const words = /\s/.test(text) ? text.split(/\s+/) : [...text];
  return words.map((w, i) => ({ start: start + i * step, end: start + (i + 1) * step, text: w }));
}

const WITH_WORDS: Transcript = {
  text: "今天天气很好hello world",
  language: "zh",
  durationSeconds: 3,
  segments: [{ start: 0, end: 3, text: "今天天气很好hello world", words: [...timed("今天天气很好"), { start: 1.2, end: 1.5, text: "hello" }, { start: 1.5, end: 1.9, text: "world" }] }],
};

describe("verbose_json", () => {
  test("words: every segment's words in OpenAI's shape", () => {
    const json = toVerboseJson(WITH_WORDS);
    expect(json.words).toHaveLength(8);
    expect(json.words![0]).toEqual({ word: "今", start: 0, end: 0.2 });
    expect(json.words![7]).toEqual({ word: "world", start: 1.5, end: 1.9 });
    expect(json.segments[0]!.text).toBe(WITH_WORDS.text);
  });

  test("no words array when the transcript has none, or when it is not asked for", () => {
    expect("words" in toVerboseJson({ ...WITH_WORDS, segments: [{ start: 0, end: 3, text: "x" }] })).toBe(false);
    expect("words" in toVerboseJson(WITH_WORDS, { words: false })).toBe(false);
  });
});

describe("cues cut on word times", () => {
  test("words join with a space only between two words written with spaces", () => {
    expect(joinWords(["今", "天", "hello", "world", "好", "for", "年"])).toBe("今天hello world好for年");
  });

  test("a line's width: CJK characters count two columns", () => {
    const cues = wordCues(timed("一二三四五六七八九十".repeat(3), 0, 0.1));
    expect(cues.map((c) => c.text)).toEqual(["一二三四五六七八九十一二三四五六七八九十一", "二三四五六七八九十"]);
    expect(cues[0]!.text.length * 2).toBeLessThanOrEqual(MAX_CUE_COLUMNS);
    expect(cues[1]!.start).toBeCloseTo(2.1, 9);
  });

  test(`no cue longer than ${MAX_CUE_SECONDS} s, and a pause of ${CUE_PAUSE_SECONDS} s starts a new one`, () => {
    const slow = wordCues(timed("a b c d e f g h", 0, 1.5));
    expect(slow.every((c) => c.end - c.start <= MAX_CUE_SECONDS)).toBe(true);
    expect(slow.map((c) => c.text)).toEqual(["a b c d", "e f g h"]);
    const paused = wordCues([...timed("你好"), ...timed("世界", 1.0)]);
    expect(paused.map((c) => [c.text, c.start, c.end])).toEqual([["你好", 0, 0.4], ["世界", 1.0, 1.4]]);
  });

  test("srt and vtt write one cue per cut; segments without word times keep one cue", () => {
    const transcript: Transcript = {
      ...WITH_WORDS,
      segments: [
        { start: 0, end: 2, text: "你好世界", words: [...timed("你好"), ...timed("世界", 1.0)] },
        { start: 2, end: 4, text: "no times here" },
      ],
    };
    expect(formatTranscript(transcript, "srt")).toBe(
      "1\n00:00:00,000 --> 00:00:00,400\n你好\n\n2\n00:00:01,000 --> 00:00:01,400\n世界\n\n3\n00:00:02,000 --> 00:00:04,000\nno times here\n",
    );
    expect(formatTranscript(transcript, "vtt")).toContain("00:00:01.000 --> 00:00:01.400\n世界\n");
  });
});
