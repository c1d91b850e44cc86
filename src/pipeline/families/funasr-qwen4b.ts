/**
 * FunASR-Qwen4B (OminiX): SenseVoiceSmall encoder without √D scaling, the OminiX
 * front end, the 4-layer Qwen4B adaptor and Qwen3-4B, prompted by raw
 * concatenation without ChatML (spec/prompts_and_generation.md §4).
 */
import { AUDIO, template } from "../prompt";
import { chatTurn, QWEN3_STOP_TOKENS, translationTurn, EMPTY_THINK } from "./chatml";
import type { FamilyDefinition } from "./family";

const TRANSCRIBE_PREFIX = "语音转写成中文：";
const TRANSCRIBE_SUFFIX = "只输出转写文字，不要分析或解释：";
const TRANSLATE_PREFIX = "Translate the speech to English:";

const TOKENS_PER_SECOND = { transcribe: 5, translate: 8 } as const;

export const FUNASR_QWEN4B: FamilyDefinition = {
  name: "funasr-qwen4b",
  title: "FunASR-Qwen4B (SenseVoiceSmall + OminiX adaptor + Qwen3-4B)",
  frontendMode: "ominix",
  encoderInputScale: "none",
  encoderPrefix: "encoder.",
  adaptor: "qwen4b",
  decoderPrefix: "",
  languages: { zh: "中文" },
  defaultLanguage: "zh",
  supportsAutoLanguage: false,
  supportsHotwords: false,
  supportsAudioTranslation: true,
  stopTokens: QWEN3_STOP_TOKENS,
  segmentSeconds: 30,
  audioPrompt: ({ task }) =>
    task === "translate" ? [template(TRANSLATE_PREFIX), AUDIO, template(EMPTY_THINK)] : [template(TRANSCRIBE_PREFIX), AUDIO, template(TRANSCRIBE_SUFFIX)],
  translationPrompt: translationTurn,
  chatPrompt: (text) => chatTurn(text),
  audioPromptTokens: 17,
  maxAudioTokens: (seconds, task) => Math.min(400, Math.max(30, Math.floor(seconds * TOKENS_PER_SECOND[task]))),
  maxTranslationTokens: 200,
  sampling: { temperature: 0 },
  repetitionGuard: true,
};
