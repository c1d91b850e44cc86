/**
 * Fun-ASR-Nano-2512: SenseVoice encoder (FunASR front end, no CMVN), the
 * Transformer adaptor with low-frame-rate truncation and Qwen3-0.6B, prompted
 * with ChatML (spec/prompts_and_generation.md §3).
 */
import { AUDIO, template, user, type PromptPart } from "../prompt";
import { chatTurn, QWEN3_STOP_TOKENS, translationTurn } from "./chatml";
import type { AudioPromptRequest, FamilyDefinition } from "./family";

const HOTWORD_PREAMBLE = "请结合上下文信息，更加准确地完成语音转写任务。如果没有相关信息，我们会留空。\n\n\n**上下文信息：**\n\n\n";
const LANGUAGE_LABELS = { zh: "中文", en: "英文", ja: "日文" } as const;

/** FunASR's `get_prompt` with itn=True: hot-word block, then 语音转写[成<label>]：. */
function userInstruction(request: AudioPromptRequest): PromptPart[] {
  const parts: PromptPart[] = [];
  if (request.hotwords.length) parts.push(template(HOTWORD_PREAMBLE), template("热词列表：["), user(request.hotwords.join(", ")), template("]\n"));
  const label = LANGUAGE_LABELS[request.language as keyof typeof LANGUAGE_LABELS];
  parts.push(template(label ? `语音转写成${label}：` : "语音转写："));
  return parts;
}

export const FUN_ASR_NANO: FamilyDefinition = {
  name: "fun-asr-nano",
  title: "Fun-ASR-Nano-2512 (SenseVoice + Transformer adaptor + Qwen3-0.6B)",
  frontendMode: "funasr",
  encoderInputScale: "sqrt_output_size",
  encoderPrefix: "audio_encoder.",
  adaptor: "nano",
  decoderPrefix: "llm.",
  languages: LANGUAGE_LABELS,
  defaultLanguage: "auto",
  supportsAutoLanguage: true,
  supportsHotwords: true,
  supportsAudioTranslation: false,
  stopTokens: QWEN3_STOP_TOKENS,
  segmentSeconds: 30,
  audioPrompt: (request) => [
    template("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"),
    ...userInstruction(request),
    AUDIO,
    template("<|im_end|>\n<|im_start|>assistant\n"),
  ],
  translationPrompt: translationTurn,
  chatPrompt: (text) => chatTurn(text),
  audioPromptTokens: 23,
  maxAudioTokens: () => 512,
  maxTranslationTokens: 200,
  sampling: { temperature: 0 },
  repetitionGuard: true,
};
