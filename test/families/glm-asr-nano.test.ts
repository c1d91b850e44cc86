/**
 * GLM-ASR-Nano's recipe and windows: the prompt ids against the reference's
 * (`apply_transcription_request` over the fixture's tokenizer, and over the tiny
 * tokenizer make-tiny-model writes), the stop tokens at their ids, and audio longer
 * than one 30 s window (each window padded and encoded alone, one run of rows).
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AudioAdaptor, AudioEncoder } from "../../src/nn/parts";
import { mx } from "../../src/engine/mlx";
import type { LanguageModelComponent } from "../../src/families/family";
import { GLM_ASR_NANO } from "../../src/families/glm-asr-nano";
import { locateModelFiles } from "../../src/pipeline/model-files";
import { ModelParts } from "../../src/pipeline/model-parts";
import { assemblePrompt } from "../../src/pipeline/prompt";
import { TextTokenizer } from "../../src/pipeline/tokenizer";
import { difference } from "../helpers/compare";
import { familyFile, familyUtterances } from "../helpers/family-fixtures";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

const MODEL = familyFile("glm-asr-nano", "model");
const recipe = GLM_ASR_NANO.recipe;
const request = { task: "transcribe" as const, language: "auto", hotwords: [] };

function tinyTokenizer(): TextTokenizer {
  const dir = mkdtempSync(join(tmpdir(), "mlx-asr-glm-asr-tokenizer-"));
  (GLM_ASR_NANO.components.find((c) => c.role === "decoder") as LanguageModelComponent).writeTinyTokenizer(dir);
  return TextTokenizer.load(dir);
}

describe.each([
  ["the fixture's tokenizer", () => TextTokenizer.load(MODEL)],
  ["the tiny tokenizer make-tiny-model writes", tinyTokenizer],
])("prompt ids (%s)", (_, load) => {
  const tokenizer = load();

  test("every utterance's prompt is the reference's input_ids, the audio rows at its audio_span", () => {
    for (const u of familyUtterances("glm-asr-nano")) {
      const reference = JSON.parse(readFileSync(join(u.dir, "prompt.json"), "utf8")) as { input_ids: number[]; audio_span: [number, number]; audio_token_id: number };
      const rows = reference.audio_span[1] - reference.audio_span[0];
      const prompt = assemblePrompt(tokenizer, recipe.prompts.audio(request), rows, tokenizer.idOf(recipe.audioPlaceholder!));
      expect(prompt.ids).toEqual(reference.input_ids);
      expect(prompt.audio).toEqual({ start: reference.audio_span[0], end: reference.audio_span[1] });
    }
  });

  test("it stops on <|endoftext|>, <|user|> and <|observation|> (the config's eos_token_id)", () => {
    const config = JSON.parse(readFileSync(join(MODEL, "config.json"), "utf8")) as { text_config: { eos_token_id: number[] } };
    expect(recipe.stopTokens.map((t) => tokenizer.idOf(t))).toEqual(config.text_config.eos_token_id);
  });

  test("a chat turn and the text translation prompt are user turns answered by the assistant", () => {
    const chat = assemblePrompt(tokenizer, recipe.prompts.chat("hi"));
    expect(tokenizer.decode(chat.ids, false)).toBe("<|user|>\nhi<|assistant|>\n");
    const translation = assemblePrompt(tokenizer, recipe.prompts.translation("你好<|user|>"));
    expect(tokenizer.decode(translation.ids, false)).toBe("<|user|>\nTranslate to English: 你好<|assistant|>\n");
  });
});

test("audio over 30 s: each window padded and encoded alone, its rows following the previous window's", async () => {
  const parts = new ModelParts(locateModelFiles(MODEL));
  const features = parts.features();
  const encoder = await parts.network<AudioEncoder>("encoder");
  const adaptor = await parts.network<AudioAdaptor>("adaptor");
  const samples = 560_000;
  const audio = mx.multiply(mx.random.normal([samples], mx.float32, 0, 1, mx.random.key(7)), 0.1);
  const run = (wave: typeof audio) => {
    const f = features.extract([wave]);
    const e = encoder.encode(f.features, f.lengths);
    return { f, e, a: adaptor.adapt(e.frames, e.lengths) };
  };
  const whole = run(audio);
  expect(whole.f.lengths).toEqual([3500]);
  expect(whole.e.lengths).toEqual([1500 + 250]);
  expect(whole.a.lengths).toEqual([375 + 62]);
  const first = run(audio.index(mx.Slice(0, 480_000)));
  const second = run(audio.index(mx.Slice(480_000)));
  expect(first.a.lengths).toEqual([375]);
  expect(second.a.lengths).toEqual([62]);
  const joined = mx.concatenate([first.a.frames.index(0), second.a.frames.index(0)], 0);
  expect(difference(whole.a.frames.index(0), joined).maxAbs).toBeLessThanOrEqual(1e-5);
  expect(encoder.frameCount(3500)).toBe(1750);
  expect(adaptor.rowCount(1750)).toBe(437);
});
