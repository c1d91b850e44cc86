import { describe, expect, test } from "bun:test";
import type { Transcript } from "../../src/formats/transcript";
import { formatVtt } from "../../src/formats/vtt";
import { HOSTILE_TEXT, LONG_EN, ZH_WITH_EN } from "./sample-transcripts";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

describe("WebVTT", () => {
  test("Chinese transcript: header, then cues separated by blank lines", () => {
    expect(formatVtt(ZH_WITH_EN)).toBe(
      "WEBVTT\n\n" +
        "00:00:00.000 --> 00:00:01.500\n你好，世界。\n\n" +
        "00:00:01.500 --> 00:00:04.000\n今天天气很好。\n",
    );
  });

  test("bilingual: the original line, then the translation line, in each cue", () => {
    expect(formatVtt(ZH_WITH_EN, { bilingual: true })).toBe(
      "WEBVTT\n\n" +
        "00:00:00.000 --> 00:00:01.500\n你好，世界。\nHello, world.\n\n" +
        "00:00:01.500 --> 00:00:04.000\n今天天气很好。\nThe weather is nice today.\n",
    );
  });

  test("past one hour, with emoji and CJK; the blank segment is skipped", () => {
    expect(formatVtt(LONG_EN)).toBe(
      "WEBVTT\n\n" +
        "00:59:59.250 --> 01:00:01.000\nWelcome back. 🎙️\n\n" +
        "01:00:05.000 --> 01:00:12.345\nCafé 東京.\n\n" +
        "01:01:40.100 --> 01:02:05.500\nGoodbye.\n",
    );
  });

  test("markup characters are escaped, which also keeps the timing arrow out of cue text", () => {
    expect(formatVtt(HOSTILE_TEXT)).toBe(
      "WEBVTT\n\n" +
        "00:00:00.000 --> 00:00:02.000\nfirst line\nsecond line\n\n" +
        "00:00:02.000 --> 00:00:02.000\nends before it starts\n\n" +
        "00:00:03.000 --> 00:00:04.000\na --&gt; b ---&gt; c\n\n" +
        "00:00:04.000 --> 00:00:05.000\n&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;\n\n" +
        "00:00:05.000 --> 00:00:06.000\n42\n",
    );
  });

  test("a transcript without segments is the header alone", () => {
    const empty: Transcript = { text: "", language: "en", durationSeconds: 0, segments: [] };
    expect(formatVtt(empty)).toBe("WEBVTT\n");
  });
});
