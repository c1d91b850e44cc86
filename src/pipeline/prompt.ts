/**
 * Prompts as data: a sequence of template text (which may name special tokens),
 * user text (whose special-token strings are removed, so a transcript or a
 * hot word cannot inject `<|im_end|>`), and one audio slot run.
 */
import type { AudioSpan } from "./injection";
import type { TextTokenizer } from "./tokenizer";

export type PromptPart =
  | { readonly kind: "template"; readonly text: string }
  | { readonly kind: "user"; readonly text: string }
  | { readonly kind: "audio" };

export const template = (text: string): PromptPart => ({ kind: "template", text });
export const user = (text: string): PromptPart => ({ kind: "user", text });
export const AUDIO: PromptPart = { kind: "audio" };

/** The id written into audio slots; its embedding is always overwritten (FunASR and OminiX use 0). */
export const AUDIO_PLACEHOLDER_ID = 0;

export interface AssembledPrompt {
  readonly ids: number[];
  /** Where the audio frames go; null for text-only prompts. */
  readonly audio: AudioSpan | null;
}

const SPECIAL_TOKEN_PATTERN = /<\|[^|<>]{1,40}\|>|<\/?think>/g;

/** Removes strings that the tokenizer would read as control tokens. */
export function neutralizeUserText(text: string): string {
  return text.replace(SPECIAL_TOKEN_PATTERN, "");
}

export function assemblePrompt(tokenizer: TextTokenizer, parts: readonly PromptPart[], audioFrames = 0): AssembledPrompt {
  const ids: number[] = [];
  let audio: AudioSpan | null = null;
  for (const part of parts) {
    if (part.kind === "audio") {
      if (audio) throw new Error("a prompt holds one audio span");
      audio = { start: ids.length, end: ids.length + audioFrames };
      for (let i = 0; i < audioFrames; i++) ids.push(AUDIO_PLACEHOLDER_ID);
    } else {
      ids.push(...tokenizer.encode(part.kind === "user" ? neutralizeUserText(part.text) : part.text));
    }
  }
  return { ids, audio };
}
