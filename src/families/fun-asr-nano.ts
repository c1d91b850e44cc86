/**
 * Fun-ASR-Nano-2512: SenseVoice encoder (FunASR front end, no CMVN), the
 * Transformer adaptor with low-frame-rate truncation and Qwen3-0.6B, prompted
 * with ChatML as FunASR's `FunASRNano` does (`get_prompt` with itn=True).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { FUN_ASR_NANO_ADAPTOR, NANO_ADAPTOR, NanoAdaptorConfigSchema } from "../../adaptor/nano-adaptor";
import { funasrFeatures } from "../audio/features/funasr-frontend";
import { CheckpointIndex } from "../engine/weights";
import { QWEN3_0_6B } from "../models/qwen3-decoder";
import { qwen3Decoder, senseVoiceEncoder } from "./components";
import type { AudioPromptRequest, FamilyWithRecipe, LlmPromptedRecipe, NetworkComponent, ReleaseLayout } from "./family";
import { chatTurn, QWEN3_MODEL_TYPES, QWEN3_STOP_TOKENS, translationTurn } from "./prompts/chatml";
import { AUDIO, template, user, type PromptPart } from "./prompts/parts";
import { hasModelConfig } from "./release-files";

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

/** FunASR's release: `model.safetensors` (converted from `model.pt`) with `audio_encoder.*`, `audio_adaptor.*`, `llm.*`, beside `Qwen3-0.6B/`. */
const FUNASR_RELEASE: ReleaseLayout = {
  name: "FunAudioLLM Fun-ASR-Nano-2512",
  locate(root, family) {
    const weights = join(root, "model.safetensors");
    const llmDir = join(root, "Qwen3-0.6B");
    if (!existsSync(weights) || !hasModelConfig(llmDir, QWEN3_MODEL_TYPES)) return null;
    const index = CheckpointIndex.fromFiles([weights]);
    if (!index.withPrefix("audio_encoder.").entries.size || !index.withPrefix("llm.").entries.size) return null;
    const shared = { dir: root, files: [weights], configFile: null };
    return {
      root,
      family,
      frontendDir: null,
      encoder: { ...shared, prefix: "audio_encoder." },
      adaptor: { ...shared, prefix: "audio_adaptor." },
      decoder: { dir: llmDir, files: [weights], configFile: join(llmDir, "config.json"), prefix: "llm." },
      tokenizerDir: llmDir,
    };
  },
};

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
  releases: [FUNASR_RELEASE],
  hub: [{ repo: "mlx-community/Fun-ASR-Nano-2512-8bit", provides: ["all"] }],
  inspectAliases: { nano_adaptor: { stage: "adaptor", tensor: "nano_adaptor_out", rowsTensor: "nano_adaptor_out_llm" } },
};
