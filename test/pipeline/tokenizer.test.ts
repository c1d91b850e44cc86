/** Decoding through the byte table, and streaming that never splits a UTF-8 character. */
import { expect, test } from "bun:test";
import { StreamingTextDecoder, TextTokenizer } from "../../src/pipeline/tokenizer";
import { qwen3TokenizerDir } from "../../scripts/make-tiny-model";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

const tokenizer = TextTokenizer.load(qwen3TokenizerDir());
const SAMPLES = ["我爱北京天安门🎉 emoji ß", "Hello, world! ça va?", "語音轉寫：日本語のテキスト、한국어 텍스트", "\n\n  spaces\tand tabs  ", "😀😃😄 🇨🇳 👩‍👩‍👧"];

test("decode(encode(text)) is the text", () => {
  for (const s of SAMPLES) expect(tokenizer.decode(tokenizer.encode(s))).toBe(s);
});

test("streamed pieces are whole characters and concatenate to the text", () => {
  for (const s of SAMPLES) {
    const ids = tokenizer.encode(s);
    const stream = new StreamingTextDecoder(tokenizer);
    const pieces = ids.map((id) => stream.push(id));
    pieces.push(stream.flush());
    expect(pieces.join("")).toBe(s);
    for (const piece of pieces) expect(piece).not.toContain("\uFFFD");
  }
});

test("some tokens are partial UTF-8 on their own (why streaming needs care)", () => {
  const ids = tokenizer.encode("我爱北京天安门🎉 emoji 𠀀𪚥");
  const partial = ids.filter((id) => new TextDecoder().decode(tokenizer.tokenBytes(id)).includes("\uFFFD"));
  expect(partial.length).toBeGreaterThan(0);
});

test("special tokens are skipped unless asked for; <think> is not special", () => {
  expect(tokenizer.decode([151644, 9707, 151645])).toBe("Hello");
  expect(tokenizer.decode([151644, 9707, 151645], false)).toBe("<|im_start|>Hello<|im_end|>");
  expect(tokenizer.decode([151667, 271, 151668])).toBe("<think>\n\n</think>");
});

test("a missing tokenizer.json is a model-files error naming the file", () => {
  expect(() => TextTokenizer.load("/nonexistent")).toThrow(/\/nonexistent\/tokenizer\.json: the model's tokenizer\.json is missing/);
});
