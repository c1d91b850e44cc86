/** Qwen3 ChatML pieces shared by the families. */
import { template, user, type PromptPart } from "../prompt";

/** Qwen3's chat template with enable_thinking=false: an empty think block opens the answer. */
export const EMPTY_THINK = "<think>\n\n</think>\n\n";

export function chatTurn(text: string, thinkBlock = true): PromptPart[] {
  return [template("<|im_start|>user\n"), user(text), template(`<|im_end|>\n<|im_start|>assistant\n${thinkBlock ? EMPTY_THINK : ""}`)];
}

/** OminiX's zh → en text translation (spec/prompts_and_generation.md §4.2). */
export function translationTurn(text: string): PromptPart[] {
  return [template("<|im_start|>user\nTranslate to English: "), user(text), template(`<|im_end|>\n<|im_start|>assistant\n${EMPTY_THINK}`)];
}

export const QWEN3_STOP_TOKENS = ["<|endoftext|>", "<|im_end|>"] as const;
