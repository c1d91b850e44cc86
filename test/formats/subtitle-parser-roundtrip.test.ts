/**
 * SubRip and WebVTT output read back by an independent parser
 * (@plussub/srt-vtt-parser, which ends a cue at the first blank line): the same
 * cues, times to the millisecond and text as went in.
 */
import { parse } from "@plussub/srt-vtt-parser";
import { describe, expect, test } from "bun:test";
import { seededRandom as random } from "../helpers/seeded-random";
import { formatSrt } from "../../src/formats/srt";
import type { Transcript } from "../../src/formats/transcript";
import { formatVtt } from "../../src/formats/vtt";
import { HOSTILE_TEXT, LONG_EN, ZH_WITH_EN } from "./sample-transcripts";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

interface ExpectedCue {
  readonly from: number;
  readonly to: number;
  readonly text: string;
}

const CASES: { name: string; transcript: Transcript; bilingual?: boolean; srt: ExpectedCue[]; vtt: ExpectedCue[] }[] = [
  {
    name: "Chinese",
    transcript: ZH_WITH_EN,
    srt: [
      { from: 0, to: 1500, text: "你好，世界。" },
      { from: 1500, to: 4000, text: "今天天气很好。" },
    ],
    vtt: [
      { from: 0, to: 1500, text: "你好，世界。" },
      { from: 1500, to: 4000, text: "今天天气很好。" },
    ],
  },
  {
    name: "Chinese with English, bilingual",
    transcript: ZH_WITH_EN,
    bilingual: true,
    srt: [
      { from: 0, to: 1500, text: "你好，世界。\nHello, world." },
      { from: 1500, to: 4000, text: "今天天气很好。\nThe weather is nice today." },
    ],
    vtt: [
      { from: 0, to: 1500, text: "你好，世界。\nHello, world." },
      { from: 1500, to: 4000, text: "今天天气很好。\nThe weather is nice today." },
    ],
  },
  {
    name: "past one hour",
    transcript: LONG_EN,
    srt: [
      { from: 3_599_250, to: 3_601_000, text: "Welcome back. 🎙️" },
      { from: 3_605_000, to: 3_612_345, text: "Café 東京." },
      { from: 3_700_100, to: 3_725_500, text: "Goodbye." },
    ],
    vtt: [
      { from: 3_599_250, to: 3_601_000, text: "Welcome back. 🎙️" },
      { from: 3_605_000, to: 3_612_345, text: "Café 東京." },
      { from: 3_700_100, to: 3_725_500, text: "Goodbye." },
    ],
  },
  {
    name: "text that would break a cue",
    transcript: HOSTILE_TEXT,
    srt: [
      { from: 0, to: 2000, text: "first line\nsecond line" },
      { from: 2000, to: 2000, text: "ends before it starts" },
      { from: 3000, to: 4000, text: "a -> b -> c" },
      { from: 4000, to: 5000, text: "<b>Tom & Jerry</b>" },
      { from: 5000, to: 6000, text: "42" },
    ],
    vtt: [
      { from: 0, to: 2000, text: "first line\nsecond line" },
      { from: 2000, to: 2000, text: "ends before it starts" },
      { from: 3000, to: 4000, text: "a --&gt; b ---&gt; c" },
      { from: 4000, to: 5000, text: "&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;" },
      { from: 5000, to: 6000, text: "42" },
    ],
  },
];

function parsedCues(subtitles: string): ExpectedCue[] {
  return parse(subtitles).entries.map(({ from, to, text }) => ({ from, to, text }));
}

describe.each(CASES)("read back: $name", ({ transcript, bilingual, srt, vtt }) => {
  test("SubRip", () => {
    const written = formatSrt(transcript, { bilingual });
    expect(parsedCues(written)).toEqual(srt);
    expect(parse(written).entries.map((entry) => entry.id)).toEqual(srt.map((_, index) => String(index + 1)));
  });

  test("WebVTT", () => {
    expect(parsedCues(formatVtt(transcript, { bilingual }))).toEqual(vtt);
  });
});


const WORDS = ["你好", "世界", "天气", "很好", "。", "，", "hello", "world", "Café", "東京", "🎙️", "123", "it's", "naïve", "Ж", "한국어"];

test("read back: 300 random segments up to 30 hours, multi-line text, in both formats", () => {
  const next = random(20240611);
  const segments = [];
  let startMs = 0;
  for (let i = 0; i < 300; i++) {
    startMs += Math.floor(next() * 400_000);
    const endMs = startMs + 1 + Math.floor(next() * 10_000);
    const lines = Array.from({ length: 1 + Math.floor(next() * 2) }, () =>
      Array.from({ length: 1 + Math.floor(next() * 6) }, () => WORDS[Math.floor(next() * WORDS.length)]!).join(" "),
    );
    segments.push({ start: startMs / 1000, end: endMs / 1000, text: lines.join("\n"), startMs, endMs });
  }
  const transcript: Transcript = { text: "", language: "zh", durationSeconds: startMs / 1000 + 10, segments };
  const expected = segments.map((s) => ({ from: s.startMs, to: s.endMs, text: s.text }));

  expect(parsedCues(formatSrt(transcript))).toEqual(expected);
  expect(parsedCues(formatVtt(transcript))).toEqual(expected);
});
