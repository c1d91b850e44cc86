/**
 * A Qwen2 tokenizer given as `vocab.json` + `merges.txt` + `tokenizer_config.json`
 * (Qwen3-ASR's release ships no tokenizer.json) encodes and decodes exactly as the
 * same tokenizer's tokenizer.json.
 */
import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LanguageModelComponent } from "../../src/families/family";
import { QWEN3_ASR } from "../../src/families/qwen3-asr";
import { TextTokenizer } from "../../src/pipeline/tokenizer";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

test("vocab.json + merges.txt + added_tokens_decoder give the tokenizer.json's ids", () => {
  const full = mkdtempSync(join(tmpdir(), "mlx-asr-bpe-full-"));
  (QWEN3_ASR.components.find((c) => c.role === "decoder") as LanguageModelComponent).writeTinyTokenizer(full);
  const json = JSON.parse(readFileSync(join(full, "tokenizer.json"), "utf8")) as {
    model: { vocab: Record<string, number>; merges: [string, string][] };
    added_tokens: { id: number; content: string; special: boolean }[];
  };
  const slow = mkdtempSync(join(tmpdir(), "mlx-asr-bpe-slow-"));
  writeFileSync(join(slow, "vocab.json"), JSON.stringify(json.model.vocab));
  writeFileSync(join(slow, "merges.txt"), `#version: 0.2\n${json.model.merges.map((m) => m.join(" ")).join("\n")}\n`);
  const decoder = Object.fromEntries(json.added_tokens.map((t) => [String(t.id), { content: t.content, special: t.special, lstrip: false, rstrip: false, normalized: false, single_word: false }]));
  writeFileSync(join(slow, "tokenizer_config.json"), JSON.stringify({ tokenizer_class: "Qwen2Tokenizer", added_tokens_decoder: decoder }));

  const [a, b] = [TextTokenizer.load(full), TextTokenizer.load(slow)];
  const texts = [
    "<|im_start|>system\n<|im_end|>\n<|im_start|>user\n<|audio_start|><|audio_pad|><|audio_end|><|im_end|>\n<|im_start|>assistant\nlanguage English<asr_text>",
    "Hello, world! It's 2026 — 12.5 km/h.\n\n  indented",
    "请把窗户打开一点。你好，世界",
    "Ünïcödé café naïve 東京 🙂",
  ];
  for (const text of texts) {
    const ids = a.encode(text);
    expect(b.encode(text)).toEqual(ids);
    expect(b.decode(ids)).toBe(a.decode(ids));
  }
  expect(b.idOf("<asr_text>")).toBe(151704);
  expect(b.isSpecial(151676)).toBe(true);
});

test("a folder with neither tokenizer.json nor vocab.json and merges.txt names what is missing", () => {
  expect(() => TextTokenizer.load(mkdtempSync(join(tmpdir(), "mlx-asr-bpe-none-")))).toThrow(/tokenizer\.json is missing \(and there is no vocab\.json with merges\.txt either\)/);
});
