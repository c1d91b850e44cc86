/**
 * GLM-ASR-Nano-2512 (zai-org): Whisper log-mel (128 bins; each 30 s window
 * zero-padded to 3000 frames, as `GlmAsrProcessor` pads), the Whisper-shaped encoder
 * with RoPE on half of each head, the projector merging 4 frames, and a Llama text
 * model (GQA, untied head), prompted as transformers' chat template renders
 * `apply_transcription_request`: `<|user|>\n<|begin_of_audio|>` the audio rows
 * `<|end_of_audio|><|user|>\nPlease transcribe this audio into text<|assistant|>\n`.
 * Generation stops at `<|endoftext|>`, `<|user|>` or `<|observation|>`. The model
 * takes no language or context; the sizes come from the model's config.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GLM_ASR_NANO_PROJECTOR, GLM_ASR_PROJECTOR, GlmAsrProjectorConfigSchema } from "../../adaptor/glm-asr-projector";
import { WhisperLogMel } from "../audio/features/whisper-log-mel";
import { readJsonFile } from "../config";
import { GLM_ASR_NANO_TEXT, LLAMA_DECODER, tinyLlama } from "../models/llama-decoder";
import { GLM_ASR_NANO_AUDIO, WHISPER_ROPE_ENCODER, WhisperRopeEncoderConfigSchema } from "../models/whisper-rope-encoder";
import type { FamilyWithRecipe, FeatureComponent, LanguageModelComponent, LiveDefaults, LlmPromptedRecipe, NetworkComponent } from "./family";
import { GLM_ASR_NANO_RELEASE } from "./glm-asr-nano-release";
import { AUDIO, template, user, type PromptPart } from "./prompts/parts";

const AUDIO_PAD = "<|pad|>";
const TRANSCRIBE = "Please transcribe this audio into text";

/** The release's special tokens at their ids relative to `<|endoftext|>` (59246 in the release). */
const SPECIAL_OFFSETS: Readonly<Record<string, number>> = {
  "<|endoftext|>": 0,
  "<|system|>": 6,
  "<|user|>": 7,
  "<|assistant|>": 8,
  "<|observation|>": 9,
  [AUDIO_PAD]: 14,
  "<|begin_of_audio|>": 15,
  "<|end_of_audio|>": 16,
};

/** Where the tiny vocabulary puts `<|endoftext|>` (ids below are the 256 bytes and filler rows). */
const TINY_SPECIAL_BASE = 1000;
const TINY_VOCAB = 1100;

/** The release's front end: `WhisperFeatureExtractor` as `GlmAsrProcessor._process_audio` calls it. */
const FEATURE_SETTINGS = { feature_size: 128, padding: "max_length", chunk_length: 30 } as const;

const features: FeatureComponent = {
  folder: "frontend",
  load: (dir) => {
    const file = dir ? join(dir, "config.json") : null;
    const stored = file ? (readJsonFile(file) as Record<string, unknown>) : {};
    return WhisperLogMel.fromConfig({ ...stored, ...FEATURE_SETTINGS }, file ?? "GLM-ASR front end");
  },
  defaultConfig: FEATURE_SETTINGS,
};

const encoder: NetworkComponent = {
  role: "encoder",
  folder: "encoder",
  network: WHISPER_ROPE_ENCODER,
  released: GLM_ASR_NANO_AUDIO,
  tiny: () => WhisperRopeEncoderConfigSchema.parse({ hidden_size: 64, intermediate_size: 256, num_hidden_layers: 2, num_attention_heads: 4 }),
};

const adaptor: NetworkComponent = {
  role: "adaptor",
  folder: "adaptor",
  network: GLM_ASR_PROJECTOR,
  released: GLM_ASR_NANO_PROJECTOR,
  tiny: ({ decoderWidth }) => GlmAsrProjectorConfigSchema.parse({ encoder_dim: 64, hidden_size: 2 * decoderWidth, output_dim: decoderWidth }),
};

/** GPT-2's byte → character map (`bytes_to_unicode`), which byte-level tokenizers spell their vocabulary in. */
function byteCharacters(): string[] {
  const printable = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  let next = 256;
  return Array.from({ length: 256 }, (_, b) => String.fromCodePoint(printable(b) ? b : next++));
}

/**
 * A byte-level tokenizer over a tiny vocabulary holding the family's special tokens
 * (tiny models): ids 0..255 are the bytes, text is encoded byte by byte (no merges),
 * the special tokens keep the release's order from id 1000.
 */
function writeTinyTokenizer(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const vocab: Record<string, number> = {};
  byteCharacters().forEach((c, id) => (vocab[c] = id));
  const specials = new Map(Object.entries(SPECIAL_OFFSETS).map(([token, offset]) => [TINY_SPECIAL_BASE + offset, token]));
  for (let id = 256; id < TINY_VOCAB; id++) vocab[specials.get(id) ?? `<|tiny_${id}|>`] = id;
  const byteLevel = { add_prefix_space: false, trim_offsets: true, use_regex: true };
  const tokenizer = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [...specials].map(([id, content]) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: null,
    pre_tokenizer: { type: "ByteLevel", ...byteLevel },
    post_processor: null,
    decoder: { type: "ByteLevel", ...byteLevel },
    model: { type: "BPE", dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges: [] },
  };
  writeFileSync(join(dir, "tokenizer.json"), JSON.stringify(tokenizer));
  writeFileSync(join(dir, "tokenizer_config.json"), JSON.stringify({ eos_token: "<|endoftext|>", pad_token: "<|endoftext|>", tokenizer_class: "PreTrainedTokenizerFast" }));
}

const decoder: LanguageModelComponent = {
  role: "decoder",
  folder: "decoder",
  network: LLAMA_DECODER,
  released: GLM_ASR_NANO_TEXT,
  tiny: ({ decoderWidth }) => tinyLlama(decoderWidth, TINY_VOCAB, ["<|endoftext|>", "<|user|>", "<|observation|>"].map((t) => TINY_SPECIAL_BASE + SPECIAL_OFFSETS[t]!)),
  modelTypes: ["llama", "LlamaForCausalLM"],
  writeTinyTokenizer,
};

function audioPrompt(): PromptPart[] {
  return [template("<|user|>\n<|begin_of_audio|>"), AUDIO, template(`<|end_of_audio|><|user|>\n${TRANSCRIBE}<|assistant|>\n`)];
}

/** A user turn in the release's chat template. */
function chat(text: string): PromptPart[] {
  return [template("<|user|>\n"), user(text), template("<|assistant|>\n")];
}

/**
 * The encoder attends over whole 30 s windows, each piece padded to one as the
 * release's processor does, so live windows are those: encoding a shorter one costs
 * the same and would see other context than offline. One completed window is kept
 * in the prompt beside the filling one.
 */
const LIVE: LiveDefaults = { chunkSeconds: 2, encoderWindowSeconds: 30, contextWindows: 1, unfixedChunks: 2, rollbackTokens: 5, maxNewTokens: 32, prefixTokens: 150 };

export const GLM_ASR_NANO: FamilyWithRecipe<LlmPromptedRecipe> = {
  name: "glm-asr-nano",
  title: "GLM-ASR-Nano-2512 (Whisper-style encoder with partial RoPE + 4-frame projector + Llama)",
  languages: { labels: {}, detects: false },
  supportsHotwords: false,
  supportsAudioTranslation: false,
  optionRefusals: { language: "takes no language option: it transcribes Mandarin, Cantonese and English as it hears them" },
  segmentSeconds: 30,
  features,
  components: [encoder, adaptor, decoder],
  recipe: {
    kind: "llm-prompted",
    prompts: {
      audio: audioPrompt,
      translation: (text) => [template("<|user|>\nTranslate to English: "), user(text), template("<|assistant|>\n")],
      chat,
      audioPromptTokens: 18,
    },
    audioPlaceholder: AUDIO_PAD,
    stopTokens: ["<|endoftext|>", "<|user|>", "<|observation|>"],
    generation: { maxAudioTokens: () => 512, maxTranslationTokens: 200, sampling: { temperature: 0 }, repetitionGuard: true },
    live: LIVE,
  },
  releases: [GLM_ASR_NANO_RELEASE],
  hub: [
    { repo: "zai-org/GLM-ASR-Nano-2512", provides: ["all"], variant: "bf16" },
    { repo: "mlx-community/GLM-ASR-Nano-2512-4bit", provides: ["all"], variant: "4bit" },
  ],
};
