/**
 * Prompt assembly: a family's prompt parts → token ids, with the audio rows'
 * slots filled with a placeholder id whose embedding the rows overwrite.
 */
import type { PromptPart } from "../families/prompts/parts";
import type { AudioSpan } from "./injection";
import type { TextTokenizer } from "./tokenizer";

export { AUDIO, template, user, type PromptPart } from "../families/prompts/parts";

/** The default id written into audio slots (FunASR and OminiX use 0). */
export const AUDIO_PLACEHOLDER_ID = 0;

export interface AssembledPrompt {
  readonly ids: number[];
  /** Where the audio frames go; null for text-only prompts. */
  readonly audio: AudioSpan | null;
}

const SPECIAL_TOKEN_PATTERN = /<\|[^|<>]{1,40}\|>|<\/?think>|<asr_text>/g;

/** Removes strings that the tokenizer would read as control tokens. */
export function neutralizeUserText(text: string): string {
  return text.replace(SPECIAL_TOKEN_PATTERN, "");
}

export function assemblePrompt(tokenizer: TextTokenizer, parts: readonly PromptPart[], audioFrames = 0, placeholderId = AUDIO_PLACEHOLDER_ID): AssembledPrompt {
  const ids: number[] = [];
  let audio: AudioSpan | null = null;
  for (const part of parts) {
    if (part.kind === "audio") {
      if (audio) throw new Error("a prompt holds one audio span");
      audio = { start: ids.length, end: ids.length + audioFrames };
      for (let i = 0; i < audioFrames; i++) ids.push(placeholderId);
    } else {
      ids.push(...tokenizer.encode(part.kind === "user" ? neutralizeUserText(part.text) : part.text));
    }
  }
  return { ids, audio };
}
