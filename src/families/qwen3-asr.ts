/**
 * Qwen3-ASR 0.6B and 1.7B (QwenLM): Whisper log-mel (128 bins, padded to the
 * longest, clips under 0.5 s padded to it), the AuT audio encoder, the
 * `proj1`/GELU/`proj2` projector and the Qwen3 text model, prompted with the
 * release's chat template (transformers `Qwen3ASRProcessor`, QwenLM
 * `_build_text_prompt`): an optional context as the system turn, the audio between
 * `<|audio_start|>` and `<|audio_end|>`, and for a forced language
 * `language X<asr_text>` opening the answer. The model answers
 * `language X<asr_text>text`. The sizes come from the model's config.json.
 */
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { QWEN3_ASR_0_6B_PROJECTOR, QWEN3_ASR_PROJECTOR, Qwen3AsrProjectorConfigSchema } from "../../adaptor/qwen3-asr-projector";
import { WhisperLogMel } from "../audio/features/whisper-log-mel";
import { readJsonFile } from "../config";
import { AUT_ENCODER, AutEncoderConfigSchema, QWEN3_ASR_0_6B_AUDIO } from "../models/aut-encoder";
import { QWEN3_0_6B, QWEN3_DECODER, Qwen3ConfigSchema, tinyQwen3, type Qwen3Config } from "../models/qwen3-decoder";
import type { AudioPromptRequest, FamilyWithRecipe, FeatureComponent, LanguageModelComponent, LiveDefaults, LlmPromptedRecipe, NetworkComponent } from "./family";
import { chatTurn, QWEN3_STOP_TOKENS, qwen3TokenizerDir, translationTurn } from "./prompts/chatml";
import { AUDIO, template, user, type PromptPart } from "./prompts/parts";
import { ASR_TEXT_TAG, parseQwen3AsrOutput, QWEN3_ASR_LANGUAGES } from "./qwen3-asr-output";
import { QWEN3_ASR_RELEASE } from "./qwen3-asr-release";

const AUDIO_PAD = "<|audio_pad|>";

/** The Qwen3-ASR special tokens the plain Qwen3 tokenizer lacks, at the release's ids. */
const AUDIO_TOKENS = [
  { id: 151669, content: "<|audio_start|>", special: true },
  { id: 151670, content: "<|audio_end|>", special: true },
  { id: 151676, content: AUDIO_PAD, special: true },
  // Not special: decoding keeps it, so the output can be read.
  { id: 151704, content: ASR_TEXT_TAG, special: false },
];

const MROPE = { rope_type: "default", mrope_section: [24, 20, 20], interleaved: true, mrope_interleaved: true } as const;

/** Qwen/Qwen3-ASR-0.6B's text model. */
export const QWEN3_ASR_0_6B_TEXT: Qwen3Config = Qwen3ConfigSchema.parse({ ...QWEN3_0_6B, max_position_embeddings: 65536, rope_scaling: MROPE });

/** Qwen/Qwen3-ASR-1.7B's text model. */
export const QWEN3_ASR_1_7B_TEXT: Qwen3Config = Qwen3ConfigSchema.parse({
  ...QWEN3_ASR_0_6B_TEXT,
  hidden_size: 2048,
  num_hidden_layers: 28,
  num_attention_heads: 16,
  num_key_value_heads: 8,
  head_dim: 128,
  intermediate_size: 6144,
});

/** The release's front end: `WhisperFeatureExtractor` as `Qwen3ASRProcessor` calls it. */
const FEATURE_SETTINGS = { feature_size: 128, padding: "longest", min_length: 8000 } as const;

const features: FeatureComponent = {
  folder: "frontend",
  load: (dir) => {
    const file = dir ? join(dir, "config.json") : null;
    const stored = file ? (readJsonFile(file) as Record<string, unknown>) : {};
    return WhisperLogMel.fromConfig({ ...stored, ...FEATURE_SETTINGS }, file ?? "Qwen3-ASR front end");
  },
  defaultConfig: FEATURE_SETTINGS,
};

const encoder: NetworkComponent = {
  role: "encoder",
  folder: "encoder",
  network: AUT_ENCODER,
  released: QWEN3_ASR_0_6B_AUDIO,
  tiny: () => AutEncoderConfigSchema.parse({ d_model: 64, encoder_layers: 2, encoder_attention_heads: 4, encoder_ffn_dim: 128, downsample_hidden_size: 16 }),
};

const adaptor: NetworkComponent = {
  role: "adaptor",
  folder: "adaptor",
  network: QWEN3_ASR_PROJECTOR,
  released: QWEN3_ASR_0_6B_PROJECTOR,
  tiny: ({ decoderWidth }) => Qwen3AsrProjectorConfigSchema.parse({ d_model: 64, output_dim: decoderWidth }),
};

/** The real Qwen3 tokenizer with the audio tokens and `<asr_text>` added (tiny models). */
function writeQwen3AsrTokenizer(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const source = qwen3TokenizerDir();
  const json = JSON.parse(readFileSync(join(source, "tokenizer.json"), "utf8")) as { added_tokens: { id: number; content: string }[] };
  const known = new Set(json.added_tokens.map((t) => t.content));
  for (const token of AUDIO_TOKENS) {
    if (!known.has(token.content)) json.added_tokens.push({ ...token, single_word: false, lstrip: false, rstrip: false, normalized: false } as { id: number; content: string });
  }
  writeFileSync(join(dir, "tokenizer.json"), JSON.stringify(json));
  writeFileSync(join(dir, "tokenizer_config.json"), readFileSync(join(source, "tokenizer_config.json")));
}

const decoder: LanguageModelComponent = {
  role: "decoder",
  folder: "decoder",
  network: QWEN3_DECODER,
  released: QWEN3_ASR_0_6B_TEXT,
  tiny: ({ decoderWidth }) => tinyQwen3(decoderWidth),
  modelTypes: ["qwen3_asr_text"],
  writeTinyTokenizer: writeQwen3AsrTokenizer,
};

/**
 * The release's streaming (2 s chunks, the first 2 without a text prefix, 5 tokens
 * rolled back) with antirez/qwen-asr's bounds: 32 new tokens per chunk, the AuT's 8 s
 * attention windows encoded once when complete, 4 of them (32 s) of audio and 150
 * tokens of committed text kept in the prompt.
 */
const LIVE: LiveDefaults = { chunkSeconds: 2, encoderWindowSeconds: 8, contextWindows: 4, unfixedChunks: 2, rollbackTokens: 5, maxNewTokens: 32, prefixTokens: 150 };

function isForced(request: AudioPromptRequest): boolean {
  return request.language !== "auto" && request.language in QWEN3_ASR_LANGUAGES;
}

/** The context text: what the caller gave as context, else the hot words. */
function contextOf(request: AudioPromptRequest): string {
  return request.context || request.hotwords.join(", ");
}

function audioPrompt(request: AudioPromptRequest): PromptPart[] {
  const parts: PromptPart[] = [template("<|im_start|>system\n")];
  const context = contextOf(request);
  if (context) parts.push(user(context));
  parts.push(template("<|im_end|>\n<|im_start|>user\n<|audio_start|>"), AUDIO, template("<|audio_end|><|im_end|>\n<|im_start|>assistant\n"));
  if (isForced(request)) parts.push(template(`language ${QWEN3_ASR_LANGUAGES[request.language]}${ASR_TEXT_TAG}`));
  return parts;
}

export const QWEN3_ASR: FamilyWithRecipe<LlmPromptedRecipe> = {
  name: "qwen3-asr",
  title: "Qwen3-ASR 0.6B / 1.7B (AuT encoder + projector + Qwen3)",
  languages: { labels: QWEN3_ASR_LANGUAGES, detects: true },
  supportsHotwords: true,
  supportsAudioTranslation: false,
  segmentSeconds: 30,
  features,
  components: [encoder, adaptor, decoder],
  recipe: {
    kind: "llm-prompted",
    prompts: {
      audio: audioPrompt,
      translation: translationTurn,
      chat: (text) => chatTurn(text),
      audioPromptTokens: 15,
    },
    audioPlaceholder: AUDIO_PAD,
    stopTokens: QWEN3_STOP_TOKENS,
    generation: { maxAudioTokens: () => 512, maxTranslationTokens: 200, sampling: { temperature: 0 }, repetitionGuard: true },
    parseOutput: (raw, request) => parseQwen3AsrOutput(raw, isForced(request)),
    streamAfter: (request) => (isForced(request) ? null : ASR_TEXT_TAG),
    live: LIVE,
  },
  releases: [QWEN3_ASR_RELEASE],
  hub: [
    { repo: "Qwen/Qwen3-ASR-0.6B", provides: ["all"], variant: "0.6b" },
    { repo: "Qwen/Qwen3-ASR-1.7B", provides: ["all"], variant: "1.7b" },
    { repo: "mlx-community/Qwen3-ASR-0.6B-8bit", provides: ["all"], variant: "0.6b-8bit" },
    { repo: "mlx-community/Qwen3-ASR-1.7B-8bit", provides: ["all"], variant: "1.7b-8bit" },
  ],
};
