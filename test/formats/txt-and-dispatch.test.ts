import { describe, expect, test } from "bun:test";
import { UsageError } from "../../src/errors";
import { formatTranscript, isOutputFormat, OUTPUT_FILE_EXTENSIONS, OUTPUT_FORMATS, type OutputFormat } from "../../src/formats";
import { formatJson, formatVerboseJson } from "../../src/formats/json";
import { formatSrt } from "../../src/formats/srt";
import { formatTxt } from "../../src/formats/txt";
import { formatVtt } from "../../src/formats/vtt";
import { LONG_EN, ZH_WITH_EN } from "./sample-transcripts";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

describe("txt", () => {
  test("the text, a blank line, the translation, and a final newline", () => {
    expect(formatTxt(ZH_WITH_EN)).toBe("你好，世界。今天天气很好。\n\nHello, world. The weather is nice today.\n");
  });

  test("the text alone without a translation", () => {
    expect(formatTxt(LONG_EN)).toBe("Welcome back. 🎙️ Café 東京. Goodbye.\n");
  });

  test("surrounding whitespace does not double the newlines", () => {
    expect(formatTxt({ ...LONG_EN, text: " hello\n" })).toBe("hello\n");
  });
});

describe("formatTranscript", () => {
  test("writes each format with its writer and passes the options on", () => {
    const options = { bilingual: true, temperature: 0.4 };
    expect(formatTranscript(ZH_WITH_EN, "txt", options)).toBe(formatTxt(ZH_WITH_EN));
    expect(formatTranscript(ZH_WITH_EN, "json", options)).toBe(formatJson(ZH_WITH_EN));
    expect(formatTranscript(ZH_WITH_EN, "verbose_json", options)).toBe(formatVerboseJson(ZH_WITH_EN, { temperature: 0.4 }));
    expect(formatTranscript(ZH_WITH_EN, "srt", options)).toBe(formatSrt(ZH_WITH_EN, { bilingual: true }));
    expect(formatTranscript(ZH_WITH_EN, "vtt", options)).toBe(formatVtt(ZH_WITH_EN, { bilingual: true }));
    expect(formatTranscript(ZH_WITH_EN, "srt")).toBe(formatSrt(ZH_WITH_EN));
  });

  test("an unknown format from untyped input is a usage error", () => {
    expect(() => formatTranscript(ZH_WITH_EN, "docx" as OutputFormat)).toThrow(UsageError);
  });
});

test("every format has a file extension, and only the formats are recognized", () => {
  expect(OUTPUT_FORMATS).toEqual(["txt", "json", "verbose_json", "srt", "vtt"]);
  expect(OUTPUT_FILE_EXTENSIONS).toEqual({ txt: ".txt", json: ".json", verbose_json: ".verbose.json", srt: ".srt", vtt: ".vtt" });
  expect(OUTPUT_FORMATS.every(isOutputFormat)).toBe(true);
  expect(isOutputFormat("docx")).toBe(false);
  expect(isOutputFormat("toString")).toBe(false);
});
