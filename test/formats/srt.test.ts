import { describe, expect, test } from "bun:test";
import { formatSrt } from "../../src/formats/srt";
import type { Transcript } from "../../src/formats/transcript";
import { HOSTILE_TEXT, LONG_EN, ZH_WITH_EN } from "./sample-transcripts";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

describe("SubRip", () => {
  test("Chinese transcript: numbered cues, trimmed text, 3.9996 s rounded to 4 s", () => {
    expect(formatSrt(ZH_WITH_EN)).toBe(
      "1\n00:00:00,000 --> 00:00:01,500\n你好，世界。\n\n" +
        "2\n00:00:01,500 --> 00:00:04,000\n今天天气很好。\n",
    );
  });

  test("bilingual: the original line, then the translation line, in each cue", () => {
    expect(formatSrt(ZH_WITH_EN, { bilingual: true })).toBe(
      "1\n00:00:00,000 --> 00:00:01,500\n你好，世界。\nHello, world.\n\n" +
        "2\n00:00:01,500 --> 00:00:04,000\n今天天气很好。\nThe weather is nice today.\n",
    );
  });

  test("bilingual without translation segments is the original alone", () => {
    const textOnly: Transcript = { ...ZH_WITH_EN, translation: { language: "en", text: "Hello, world. The weather is nice today." } };
    expect(formatSrt(textOnly, { bilingual: true })).toBe(formatSrt(ZH_WITH_EN));
  });

  test("past one hour, with emoji and CJK; the blank segment is skipped and numbering stays contiguous", () => {
    expect(formatSrt(LONG_EN)).toBe(
      "1\n00:59:59,250 --> 01:00:01,000\nWelcome back. 🎙️\n\n" +
        "2\n01:00:05,000 --> 01:00:12,345\nCafé 東京.\n\n" +
        "3\n01:01:40,100 --> 01:02:05,500\nGoodbye.\n",
    );
  });

  test("no blank line or timing arrow inside a cue, and no end before the start", () => {
    expect(formatSrt(HOSTILE_TEXT)).toBe(
      "1\n00:00:00,000 --> 00:00:02,000\nfirst line\nsecond line\n\n" +
        "2\n00:00:02,000 --> 00:00:02,000\nends before it starts\n\n" +
        "3\n00:00:03,000 --> 00:00:04,000\na -> b -> c\n\n" +
        "4\n00:00:04,000 --> 00:00:05,000\n<b>Tom & Jerry</b>\n\n" +
        "5\n00:00:05,000 --> 00:00:06,000\n42\n",
    );
  });

  test("a transcript without segments is an empty file", () => {
    expect(formatSrt({ text: "", language: "en", durationSeconds: 0, segments: [] })).toBe("");
  });
});
