/**
 * Qwen3-ASR's recipe: prompt ids against the real Qwen3 tokenizer (with the
 * family's audio tokens and `<asr_text>` at the release's ids), the reading of
 * `language X<asr_text>text`, the release's repetition post-fix, and streamed text
 * that starts after the language tag.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AudioPromptRequest, LanguageModelComponent } from "../../src/families/family";
import { QWEN3_ASR } from "../../src/families/qwen3-asr";
import { fixRepetitions, parseQwen3AsrOutput } from "../../src/families/qwen3-asr-output";
import { assemblePrompt } from "../../src/pipeline/prompt";
import { TextAfterMarker } from "../../src/pipeline/recognizers/text-after-marker";
import { TextTokenizer } from "../../src/pipeline/tokenizer";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

const recipe = QWEN3_ASR.recipe;
const decoder = QWEN3_ASR.components.find((c) => c.role === "decoder") as LanguageModelComponent;
const tokenizerDir = mkdtempSync(join(tmpdir(), "mlx-asr-qwen3-asr-tokenizer-"));
decoder.writeTinyTokenizer(tokenizerDir);
const tokenizer = TextTokenizer.load(tokenizerDir);

const request = (overrides: Partial<AudioPromptRequest> = {}): AudioPromptRequest => ({ task: "transcribe", language: "auto", hotwords: [], ...overrides });
const PREFIX = [151644, 8948, 198, 151645, 198, 151644, 872, 198, 151669];
const SUFFIX = [151670, 151645, 198, 151644, 77091, 198];

describe("prompt ids (the real Qwen3 tokenizer)", () => {
  test("the family's special tokens sit at the release's ids", () => {
    expect(["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|audio_start|>", "<|audio_end|>", "<|audio_pad|>", "<asr_text>"].map((t) => tokenizer.idOf(t))).toEqual([
      151643, 151644, 151645, 151669, 151670, 151676, 151704,
    ]);
    expect(tokenizer.isSpecial(151704)).toBe(false);
  });

  test("auto: the empty system turn, the audio pads between audio_start and audio_end, the open assistant turn", () => {
    const prompt = assemblePrompt(tokenizer, recipe.prompts.audio(request()), 3, tokenizer.idOf("<|audio_pad|>"));
    expect(prompt.ids).toEqual([...PREFIX, 151676, 151676, 151676, ...SUFFIX]);
    expect(prompt.audio).toEqual({ start: 9, end: 12 });
    expect(prompt.ids.length - 3).toBe(recipe.prompts.audioPromptTokens);
  });

  test("a forced language appends `language English<asr_text>` after `assistant\\n`", () => {
    const prompt = assemblePrompt(tokenizer, recipe.prompts.audio(request({ language: "en" })), 2, 151676);
    expect(prompt.ids).toEqual([...PREFIX, 151676, 151676, ...SUFFIX, 11528, 6364, 151704]);
    const chinese = assemblePrompt(tokenizer, recipe.prompts.audio(request({ language: "zh" })), 1, 151676);
    expect(chinese.ids.slice(-3)).toEqual([11528, 8453, 151704]);
  });

  test("the context (or the hot words) is the system turn's text, with control tokens removed", () => {
    const context = assemblePrompt(tokenizer, recipe.prompts.audio(request({ context: "Qwen<|im_end|>" })), 1, 151676);
    expect(context.ids.slice(0, 3)).toEqual([151644, 8948, 198]);
    expect(context.ids.slice(3, context.ids.indexOf(151645))).toEqual(tokenizer.encode("Qwen"));
    const hotwords = assemblePrompt(tokenizer, recipe.prompts.audio(request({ hotwords: ["MLX", "Bun"] })), 1, 151676);
    expect(tokenizer.decode(hotwords.ids.slice(3, hotwords.ids.indexOf(151645)))).toBe("MLX, Bun");
  });
});

describe("reading the output", () => {
  test("`language X<asr_text>text` gives the language code and the text", () => {
    expect(parseQwen3AsrOutput("language English<asr_text>Hello there.", false)).toEqual({ text: "Hello there.", language: "en" });
    expect(parseQwen3AsrOutput("language Cantonese<asr_text>你好", false)).toEqual({ text: "你好", language: "yue" });
    expect(parseQwen3AsrOutput("language Klingon<asr_text>Qapla'", false)).toEqual({ text: "Qapla'", language: null });
  });

  test("`language None` is empty audio; without the tag everything is text", () => {
    expect(parseQwen3AsrOutput("language None<asr_text>", false)).toEqual({ text: "", language: null });
    expect(parseQwen3AsrOutput("just words", false)).toEqual({ text: "just words", language: null });
  });

  test("with a forced language the whole output is text (a repeated tag is cut off)", () => {
    expect(parseQwen3AsrOutput("Hello there.", true)).toEqual({ text: "Hello there.", language: null });
    expect(parseQwen3AsrOutput("language English<asr_text>Hello", true)).toEqual({ text: "Hello", language: null });
    expect(recipe.parseOutput!("Hello", request({ language: "en" }))).toEqual({ text: "Hello", language: null });
  });

  test("the repetition post-fix: runs over 20 characters and patterns repeated 20 times become one copy", () => {
    expect(fixRepetitions(`ok${"a".repeat(21)}!`)).toBe("oka!");
    expect(fixRepetitions(`ok${"a".repeat(20)}!`)).toBe(`ok${"a".repeat(20)}!`);
    expect(fixRepetitions(`x ${"ha ".repeat(25)}end`)).toBe("x ha end");
    expect(fixRepetitions(`${"哈哈".repeat(12)}`)).toBe("哈");
    expect(fixRepetitions(`a ${"la ".repeat(19)}b`)).toBe(`a ${"la ".repeat(19)}b`);
    // After a collapsed run the rest is fixed too.
    expect(fixRepetitions(`${"ab".repeat(20)}-${"cd".repeat(20)}`)).toBe("ab-cd");
    // The output is trimmed first, so the last copy lacks its space and stays as the run's tail.
    expect(parseQwen3AsrOutput(`language English<asr_text>${"no ".repeat(30)}`, false).text).toBe("no no");
  });
});

describe("streamed text starts after the language tag", () => {
  const collect = (marker: string | null, pieces: string[], final = "") => {
    const out: string[] = [];
    const gate = new TextAfterMarker(marker, (p) => out.push(p));
    for (const p of pieces) gate.push(p);
    gate.finish(final);
    return out;
  };

  test("pieces before the marker are held; a marker split across pieces is found", () => {
    expect(collect("<asr_text>", ["language", " English<asr", "_text>Hel", "lo"])).toEqual(["Hel", "lo"]);
    expect(collect("<asr_text>", ["language English<asr_text>", " world"])).toEqual([" world"]);
  });

  test("without a marker everything passes; when it never comes the read text is given at the end", () => {
    expect(collect(null, ["a", "b"])).toEqual(["a", "b"]);
    expect(collect("<asr_text>", ["plain text"], "plain text")).toEqual(["plain text"]);
  });

  test("the recipe waits for the tag unless the language is forced (the prompt then ends with it)", () => {
    expect(recipe.streamAfter!(request())).toBe("<asr_text>");
    expect(recipe.streamAfter!(request({ language: "fr" }))).toBeNull();
  });
});
