/**
 * Prompts as data: a sequence of template text (which may name special tokens),
 * user text (whose special-token strings are removed when assembled, so a
 * transcript or a hot word cannot inject `<|im_end|>`), and one run of audio rows.
 */
export type PromptPart =
  | { readonly kind: "template"; readonly text: string }
  | { readonly kind: "user"; readonly text: string }
  | { readonly kind: "audio" };

export const template = (text: string): PromptPart => ({ kind: "template", text });
export const user = (text: string): PromptPart => ({ kind: "user", text });
export const AUDIO: PromptPart = { kind: "audio" };
