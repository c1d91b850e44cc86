/**
 * The networks the benchmark runs: the released configurations at their real
 * shapes, or (`--small`) the same widths with layers and vocabulary cut so a whole
 * run takes well under a minute. Also where each one's random weights live.
 */
import { join } from "node:path";
import type { NanoAdaptorConfig } from "../../adaptor/nano-adaptor";
import type { Qwen4bAdaptorConfig } from "../../adaptor/qwen4b-adaptor";
import { FUN_ASR_NANO_ADAPTOR } from "../../adaptor/nano-adaptor";
import { QWEN4B_ADAPTOR_RELEASE as QWEN4B_ADAPTOR } from "../../adaptor/qwen4b-adaptor";
import { QWEN3_0_6B, QWEN3_4B } from "../../src/models/qwen3-decoder";
import { SENSEVOICE_SMALL as SENSEVOICE_SMALL_ENCODER } from "../../src/models/sensevoice-encoder";
import type { Qwen3Config } from "../../src/models/qwen3-decoder";
import type { SenseVoiceEncoderConfig } from "../../src/models/sensevoice-encoder";

export const DECODER_IDS = ["qwen3-0.6b", "qwen3-4b"] as const;
export type DecoderId = (typeof DECODER_IDS)[number];

/** The end-to-end rows: one per family (Qwen3-ASR per size), named as the row's `model`. */
export const END_TO_END_IDS = ["funasr-qwen4b", "fun-asr-nano", "qwen3-asr-0.6b", "qwen3-asr-1.7b", "glm-asr-nano"] as const;
export type EndToEndId = (typeof END_TO_END_IDS)[number];

/** The registry name (src/pipeline/families) of each end-to-end row's family. */
export const FAMILY_OF: Readonly<Record<EndToEndId, string>> = {
  "funasr-qwen4b": "funasr-qwen4b",
  "fun-asr-nano": "fun-asr-nano",
  "qwen3-asr-0.6b": "qwen3-asr",
  "qwen3-asr-1.7b": "qwen3-asr",
  "glm-asr-nano": "glm-asr-nano",
};

/** The live rows: Qwen3-ASR at a released size, with random weights made in memory (no files to write). */
export const LIVE_IDS = ["qwen3-asr-0.6b"] as const;
export type LiveModelId = (typeof LIVE_IDS)[number];

/**
 * Text tokens of each end-to-end row's prompt before the audio rows; the rest of
 * the family's prompt (`audioPromptTokens` of its recipe) follows them. Both sides
 * write stand-in ids over these positions: only the prompt's length matters here.
 */
export const PROMPT_TOKENS_BEFORE_AUDIO: Readonly<Record<EndToEndId, number>> = {
  "funasr-qwen4b": 8,
  "fun-asr-nano": 16,
  // <|im_start|>system\n<|im_end|>\n<|im_start|>user\n<|audio_start|>
  "qwen3-asr-0.6b": 9,
  "qwen3-asr-1.7b": 9,
  // <|user|>\n<|begin_of_audio|>
  "glm-asr-nano": 3,
};

/**
 * Networks whose random weights only the transformers peer writes (its own
 * classes, random init from the released config, `save_pretrained`): our loaders
 * for these families are to read the very same files.
 */
export const PEER_MADE_COMPONENTS = ["qwen3-asr-0.6b", "qwen3-asr-1.7b", "glm-asr-nano"] as const;
export type PeerMadeComponent = (typeof PEER_MADE_COMPONENTS)[number];

/** How the decoder's weights are held at run time: float32, or read from a copy quantized beforehand (group size 64). */
export type WeightKind = "float32" | "int8" | "int4";
export const WEIGHT_KINDS: readonly WeightKind[] = ["float32", "int8", "int4"];
export type QuantizedKind = Exclude<WeightKind, "float32">;
/** A decoder's quantized copy, written once from its bf16 checkpoint by the project's own quantizer. */
export type QuantizedDecoderId = `${DecoderId}-${QuantizedKind}`;
export type ComponentId = "sensevoice-encoder" | "qwen4b-adaptor" | "nano-adaptor" | DecoderId | QuantizedDecoderId | PeerMadeComponent;

export function isPeerMade(id: ComponentId): id is PeerMadeComponent {
  return (PEER_MADE_COMPONENTS as readonly string[]).includes(id);
}

export function quantizeBitsOf(kind: WeightKind): 4 | 8 | undefined {
  return kind === "int8" ? 8 : kind === "int4" ? 4 : undefined;
}

/** The weights a decoder of this kind is read from: its bf16 checkpoint, or the quantized copy made from it. */
export function decoderWeights(id: DecoderId, kind: WeightKind): DecoderId | QuantizedDecoderId {
  return kind === "float32" ? id : `${id}-${kind}`;
}

/** What a decoder row needs written first, in order: the bf16 checkpoint, then the quantized copy made from it. */
export function decoderNeeds(id: DecoderId, kind: WeightKind): ComponentId[] {
  return kind === "float32" ? [id] : [id, decoderWeights(id, kind)];
}

interface QuantizedSource {
  readonly decoder: DecoderId;
  readonly kind: QuantizedKind;
}

const QUANTIZED_SOURCES: ReadonlyMap<string, QuantizedSource> = new Map(
  DECODER_IDS.flatMap((decoder) => (["int8", "int4"] as const).map((kind): [string, QuantizedSource] => [decoderWeights(decoder, kind), { decoder, kind }])),
);

export function isQuantizedCopy(id: ComponentId): id is QuantizedDecoderId {
  return QUANTIZED_SOURCES.has(id);
}

/** The decoder and kind a quantized copy is made from. */
export function quantizedSource(id: QuantizedDecoderId): QuantizedSource {
  return QUANTIZED_SOURCES.get(id)!;
}

export interface BenchModels {
  /** The FunASR-Qwen4B family's encoder: no √D input scaling (OminiX port). */
  readonly encoder: SenseVoiceEncoderConfig;
  readonly adaptor: Qwen4bAdaptorConfig;
  readonly nanoAdaptor: NanoAdaptorConfig;
  readonly decoders: Readonly<Record<DecoderId, Qwen3Config>>;
}

const SMALL_VOCAB = 8192;

export function benchModels(small: boolean): BenchModels {
  const encoderConf = small
    ? { ...SENSEVOICE_SMALL_ENCODER.encoder_conf, num_blocks: 2, tp_blocks: 1 }
    : SENSEVOICE_SMALL_ENCODER.encoder_conf;
  const cut = (c: Qwen3Config): Qwen3Config => (small ? { ...c, num_hidden_layers: 1, vocab_size: SMALL_VOCAB } : c);
  return {
    encoder: { ...SENSEVOICE_SMALL_ENCODER, encoder_conf: encoderConf, input_scale: "none" },
    adaptor: small ? { ...QWEN4B_ADAPTOR, num_layers: 1 } : QWEN4B_ADAPTOR,
    nanoAdaptor: FUN_ASR_NANO_ADAPTOR,
    decoders: { "qwen3-0.6b": cut(QWEN3_0_6B), "qwen3-4b": cut(QWEN3_4B) },
  };
}

/** The folder holding a component's weights inside the run's weights directory. */
export function componentDir(weightsDir: string, id: ComponentId): string {
  return join(weightsDir, id);
}

export const ENCODER_FILE = "model.safetensors";
export const ADAPTOR_FILE = "adaptor_phase2_final.safetensors";
export const NANO_ADAPTOR_FILE = "model.safetensors";
/** The configuration the peer reads beside the encoder and adaptor weights. */
export const BENCH_CONFIG_FILE = "bench-config.json";
