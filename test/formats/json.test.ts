import { describe, expect, test } from "bun:test";
import { deflateSync } from "node:zlib";
import { compressionRatio } from "../../src/formats/compression-ratio";
import { formatJson, formatVerboseJson } from "../../src/formats/json";
import { languageName } from "../../src/formats/language-names";
import type { Transcript } from "../../src/formats/transcript";
import { LONG_EN, ZH_WITH_EN } from "./sample-transcripts";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

describe("json (OpenAI's simple shape)", () => {
  test("the text, and the translation when there is one", () => {
    expect(formatJson(ZH_WITH_EN)).toBe(
      '{\n  "text": "你好，世界。今天天气很好。",\n  "translation": {\n    "language": "en",\n    "text": "Hello, world. The weather is nice today."\n  }\n}\n',
    );
  });

  test("the text alone without a translation", () => {
    expect(formatJson(LONG_EN)).toBe('{\n  "text": "Welcome back. 🎙️ Café 東京. Goodbye."\n}\n');
  });
});

describe("verbose_json (OpenAI's verbose shape)", () => {
  const written = formatVerboseJson(ZH_WITH_EN, { temperature: 0.2 });
  const parsed = JSON.parse(written);

  test("the top-level fields, with the language as a name", () => {
    expect(Object.keys(parsed)).toEqual(["task", "language", "duration", "text", "segments", "translation"]);
    expect(parsed.task).toBe("translate");
    expect(parsed.language).toBe("chinese");
    expect(parsed.duration).toBe(4.2);
    expect(parsed.text).toBe("你好，世界。今天天气很好。");
    expect(written.endsWith("}\n")).toBe(true);
  });

  test("each segment has OpenAI's field set and honest values; scores the producer did not measure are left out, never made up", () => {
    const [first, second] = parsed.segments;
    const { compression_ratio: firstRatio, ...firstRest } = first;
    expect(Object.keys(first)).toEqual([
      "id", "seek", "start", "end", "text", "tokens", "temperature", "avg_logprob", "compression_ratio", "no_speech_prob",
    ]);
    expect(firstRest).toEqual({
      id: 0,
      seek: 0,
      start: 0,
      end: 1.5,
      text: "你好，世界。",
      tokens: [108386, 3837, 99489, 1773],
      temperature: 0.2,
      avg_logprob: -0.1234,
      no_speech_prob: 0.0123,
    });
    expect(firstRatio).toBe(compressionRatio("你好，世界。"));
    const { compression_ratio: _, ...secondRest } = second;
    expect(secondRest).toEqual({
      id: 1,
      seek: 150,
      start: 1.5,
      end: 3.9996,
      text: " 今天天气很好。",
      tokens: [],
      temperature: 0.2,
    });
  });

  test("the translation carries its language name, text and segments in the same shape", () => {
    expect(parsed.translation.language).toBe("english");
    expect(parsed.translation.text).toBe("Hello, world. The weather is nice today.");
    expect(parsed.translation.segments.map((s: { id: number; seek: number; text: string }) => [s.id, s.seek, s.text])).toEqual([
      [0, 0, "Hello, world."],
      [1, 150, " The weather is nice today."],
    ]);
  });

  test("defaults: transcribe task, temperature 0, no translation field", () => {
    const plain = JSON.parse(formatVerboseJson(LONG_EN));
    expect(plain.task).toBe("transcribe");
    expect(plain.language).toBe("english");
    expect("translation" in plain).toBe(false);
    expect(plain.segments.map((s: { seek: number; temperature: number }) => [s.seek, s.temperature])).toEqual([
      [359925, 0],
      [360100, 0],
      [360500, 0],
      [370010, 0],
    ]);
  });

  test("seek is the 10 ms frame the segment starts in, unmoved by float noise", () => {
    const transcript: Transcript = {
      text: "",
      language: "en",
      durationSeconds: 2,
      segments: [0.29, 1.236, 1.9999].map((start) => ({ start, end: 2, text: "x" })),
    };
    expect(JSON.parse(formatVerboseJson(transcript)).segments.map((s: { seek: number }) => s.seek)).toEqual([29, 123, 200]);
  });
});

describe("compression_ratio", () => {
  test("is UTF-8 bytes over zlib-compressed bytes", () => {
    const text = "你好，世界。";
    expect(new TextEncoder().encode(text).length).toBe(18);
    expect(compressionRatio(text)).toBe(18 / deflateSync(Buffer.from(text, "utf8")).length);
  });

  test("short unrepeated text does not compress; a repetition loop compresses far past Whisper's 2.4 threshold", () => {
    expect(compressionRatio("你好，世界。")).toBeLessThan(1);
    expect(compressionRatio("谢谢大家。".repeat(40))).toBeGreaterThan(10);
    expect(compressionRatio("")).toBe(0);
  });
});

describe("language names", () => {
  test.each([
    ["zh", "chinese"],
    ["en", "english"],
    ["ja", "japanese"],
    ["ko", "korean"],
    ["yue", "cantonese"],
    ["ZH", "chinese"],
    ["zh-CN", "chinese"],
    ["auto", "auto"],
    ["xx", "xx"],
    ["constructor", "constructor"],
  ])("%p is %p", (code, name) => {
    expect(languageName(code)).toBe(name);
  });
});
