/** Small transcripts the format tests write and read back. */
import type { Transcript } from "../../src/formats/transcript";

/** Chinese speech with its English translation, segment for segment. */
export const ZH_WITH_EN: Transcript = {
  text: "你好，世界。今天天气很好。",
  language: "zh",
  durationSeconds: 4.2,
  task: "translate",
  segments: [
    { start: 0, end: 1.5, text: "你好，世界。", tokens: [108386, 3837, 99489, 1773], avgLogprob: -0.1234, noSpeechProb: 0.0123 },
    { start: 1.5, end: 3.9996, text: " 今天天气很好。" },
  ],
  translation: {
    language: "en",
    text: "Hello, world. The weather is nice today.",
    segments: [
      { start: 0, end: 1.5, text: "Hello, world." },
      { start: 1.5, end: 3.9996, text: " The weather is nice today." },
    ],
  },
};

/** English past the one-hour mark, with emoji and CJK, and a segment with no text. */
export const LONG_EN: Transcript = {
  text: "Welcome back. 🎙️ Café 東京. Goodbye.",
  language: "en",
  durationSeconds: 3725.5,
  segments: [
    { start: 3599.25, end: 3601.0004, text: "Welcome back. 🎙️" },
    { start: 3601.0004, end: 3605, text: "   " },
    { start: 3605, end: 3612.345, text: "Café 東京." },
    { start: 3700.1, end: 3725.5, text: "Goodbye." },
  ],
};

/** Text that would break a cue if written verbatim. */
export const HOSTILE_TEXT: Transcript = {
  text: "",
  language: "auto",
  durationSeconds: 10,
  segments: [
    { start: 0, end: 2, text: "first line\n\n  second line  " },
    { start: 2, end: 1.5, text: "ends before it starts" },
    { start: 3, end: 4, text: "a --> b ---> c" },
    { start: 4, end: 5, text: "<b>Tom & Jerry</b>" },
    { start: 5, end: 6, text: "42" },
  ],
};
