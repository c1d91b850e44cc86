/**
 * Fun-ASR-Nano-2512: SenseVoice encoder (FunASR front end, no CMVN), the
 * Transformer adaptor with low-frame-rate truncation and Qwen3-0.6B, prompted
 * with ChatML as FunASR's `FunASRNano` does (`get_prompt` with itn=True).
 */
import { FUN_ASR_NANO_ADAPTOR, NANO_ADAPTOR, NanoAdaptorConfigSchema } from "../../adaptor/nano-adaptor";
import { funasrFeatures } from "../audio/features/funasr-frontend";
import { QWEN3_0_6B } from "../models/qwen3-decoder";
import { qwen3Decoder, senseVoiceEncoder } from "./components";
import type { AudioPromptRequest, FamilyWithRecipe, LlmPromptedRecipe, NetworkComponent } from "./family";
import { FUNASR_RELEASE, MLX_AUDIO_RELEASE, TRANSFORMERS_PORT } from "./fun-asr-nano-releases";
import { chatTurn, QWEN3_STOP_TOKENS, translationTurn } from "./prompts/chatml";
import { AUDIO, template, user, type PromptPart } from "./prompts/parts";

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

const encoder = senseVoiceEncoder({ checkpoint_key_prefix: "audio_encoder." });

const adaptor: NetworkComponent = {
  role: "adaptor",
  folder: "nano_adaptor",
  network: NANO_ADAPTOR,
  released: FUN_ASR_NANO_ADAPTOR,
  tiny: ({ decoderWidth }) =>
    NanoAdaptorConfigSchema.parse({
      audio_adaptor_conf: { downsample_rate: 1, use_low_frame_rate: true, ffn_dim: 128, llm_dim: decoderWidth, encoder_dim: 64, n_layer: 2, attention_heads: 4 },
      block_ffn_dim: decoderWidth / 4,
    }),
};

const decoder = qwen3Decoder(QWEN3_0_6B);

export const FUN_ASR_NANO: FamilyWithRecipe<LlmPromptedRecipe> = {
  name: "fun-asr-nano",
  title: "Fun-ASR-Nano-2512 (SenseVoice + Transformer adaptor + Qwen3-0.6B)",
  languages: { labels: LANGUAGE_LABELS, detects: false },
  supportsHotwords: true,
  supportsAudioTranslation: false,
  segmentSeconds: 30,
  features: { folder: "frontend", ...funasrFeatures("funasr") },
  components: [encoder, adaptor, decoder],
  recipe: {
    kind: "llm-prompted",
    prompts: {
      audio: (request) => [
        template("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"),
        ...userInstruction(request),
        AUDIO,
        template("<|im_end|>\n<|im_start|>assistant\n"),
      ],
      translation: translationTurn,
      chat: (text) => chatTurn(text),
      audioPromptTokens: 23,
    },
    audioPlaceholder: null,
    stopTokens: QWEN3_STOP_TOKENS,
    generation: { maxAudioTokens: () => 512, maxTranslationTokens: 200, sampling: { temperature: 0 }, repetitionGuard: true },
  },
  releases: [TRANSFORMERS_PORT, MLX_AUDIO_RELEASE, FUNASR_RELEASE],
  hub: [
    { repo: "mlx-community/Fun-ASR-Nano-2512-8bit", provides: ["all"], variant: "8bit" },
    { repo: "mlx-community/Fun-ASR-Nano-2512-4bit", provides: ["all"], variant: "4bit" },
    { repo: "mlx-community/Fun-ASR-Nano-2512-fp16", provides: ["all"], variant: "fp16" },
    { repo: "mlx-community/Fun-ASR-Nano-2512", provides: ["all"], variant: "bf16" },
    { repo: "FunAudioLLM/Fun-ASR-Nano-2512", provides: ["all"], variant: "original", files: { all: ["model.pt", "Qwen3-0.6B/*.json", "Qwen3-0.6B/*.txt"] } },
    { repo: "FunAudioLLM/Fun-ASR-Nano-2512-vllm", provides: ["all"], variant: "vllm" },
  ],
  inspectAliases: { nano_adaptor: { stage: "adaptor", tensor: "nano_adaptor_out", rowsTensor: "nano_adaptor_out_llm" } },
};
