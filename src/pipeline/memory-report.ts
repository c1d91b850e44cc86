/**
 * What a model needs in memory, computed from shapes before loading anything:
 * weights (per backend: Metal keeps bf16 / packed codes with bf16 scales, the CPU
 * computes in float32), the KV cache for the longest segment, and the peak
 * activations of the largest step.
 */
import type { NanoAdaptorConfig } from "../../adaptor/nano-adaptor";
import type { Qwen4bAdaptorConfig } from "../../adaptor/qwen4b-adaptor";
import { KV_CACHE_STEP } from "../nn/kv-cache";
import { headDim, type Qwen3Config } from "../models/qwen3-decoder";
import type { SenseVoiceEncoderConfig } from "../models/sensevoice-encoder";

export type MemoryBackend = "metal" | "cpu";
/** 32/16: float; 8/4: affine-quantized (group size 64). */
export type WeightBits = 32 | 16 | 8 | 4;

const GROUP_SIZE = 64;
const GB = 1e9;
/**
 * Usable by the GPU on a 16 GB Apple Silicon Mac: Metal's recommended working set
 * is about two thirds of RAM (≈ 10.7 GB on 16 GB machines), the rest stays with macOS.
 */
export const METAL_WORKING_SET_16GB = 10.7 * GB;

/** Float parameters of the decoder's quantizable matrices (embedding + projections) and of its norms. */
export function qwen3ParameterCounts(c: Qwen3Config): { matrices: number; norms: number } {
  const hd = headDim(c);
  const h = c.hidden_size;
  const perLayer =
    c.num_attention_heads * hd * h * 2 + // q_proj, o_proj
    c.num_key_value_heads * hd * h * 2 + // k_proj, v_proj
    c.intermediate_size * h * 3; // gate, up, down
  const matrices = c.vocab_size * h * (c.tie_word_embeddings ? 1 : 2) + perLayer * c.num_hidden_layers;
  const norms = c.num_hidden_layers * (2 * h + 2 * hd) + h;
  return { matrices, norms };
}

/**
 * Decoder weight bytes: a b-bit matrix weight costs b/8 bytes plus, per group of
 * 64, a scale and a bias in the float dtype (bf16 on Metal, float32 on the CPU).
 */
export function qwen3WeightBytes(c: Qwen3Config, bits: WeightBits, backend: MemoryBackend): number {
  const { matrices, norms } = qwen3ParameterCounts(c);
  const floatBytes = backend === "cpu" ? 4 : bits === 32 ? 4 : 2;
  if (bits === 32 || bits === 16) return (matrices + norms) * (backend === "cpu" ? 4 : bits / 8);
  return matrices * (bits / 8 + (2 * floatBytes) / GROUP_SIZE) + norms * floatBytes;
}

export function senseVoiceParameters(c: SenseVoiceEncoderConfig): number {
  const d = c.encoder_conf.output_size;
  const u = c.encoder_conf.linear_units;
  const k = c.encoder_conf.kernel_size;
  const layer = (inSize: number) => 3 * d * inSize + 3 * d + d * k + d * d + d + 2 * u * d + u + d + 2 * inSize + 2 * d;
  const blocks = c.encoder_conf.num_blocks - 1 + c.encoder_conf.tp_blocks;
  return layer(c.input_size) + blocks * layer(d) + 4 * d;
}

export function qwen4bAdaptorParameters(c: Qwen4bAdaptorConfig): number {
  const h = c.hidden_dim;
  const layer = 4 * h * h + 4 * h + 2 * c.ffn_dim * h + c.ffn_dim + h + 4 * h;
  return c.input_dim * h + h + c.num_layers * layer + h * c.output_dim + c.output_dim + 2 * c.output_dim;
}

export function nanoAdaptorParameters(c: NanoAdaptorConfig): number {
  const a = c.audio_adaptor_conf;
  const f = c.block_ffn_dim ?? a.llm_dim / 4;
  const block = 4 * (a.llm_dim * a.llm_dim + a.llm_dim) + 2 * f * a.llm_dim + f + a.llm_dim + 4 * a.llm_dim;
  return a.encoder_dim * a.downsample_rate * a.ffn_dim + a.ffn_dim + a.ffn_dim * a.llm_dim + a.llm_dim + a.n_layer * block;
}

export interface MemoryInputs {
  readonly decoder: Qwen3Config;
  readonly decoderBits: WeightBits;
  readonly encoder: SenseVoiceEncoderConfig | null;
  readonly adaptor: { readonly kind: "qwen4b"; readonly config: Qwen4bAdaptorConfig } | { readonly kind: "nano"; readonly config: NanoAdaptorConfig } | null;
  /** Longest audio piece decoded at once. */
  readonly segmentSeconds: number;
  /** Audio frames the LLM receives for that piece. */
  readonly audioFrames: number;
  readonly promptTokens: number;
  readonly maxNewTokens: number;
}

export interface MemoryEstimate {
  readonly backend: MemoryBackend;
  readonly weights: { readonly encoder: number; readonly adaptor: number; readonly decoder: number };
  readonly kvCache: number;
  readonly activations: number;
  readonly total: number;
  /** Positions in the KV cache: prompt + audio + generated, rounded up to the cache's growth step. */
  readonly positions: number;
}

export function estimateMemory(m: MemoryInputs, backend: MemoryBackend): MemoryEstimate {
  const c = m.decoder;
  const actBytes = backend === "cpu" || m.decoderBits === 32 ? 4 : 2;
  const encoderParams = m.encoder ? senseVoiceParameters(m.encoder) : 0;
  const adaptorParams = !m.adaptor ? 0 : m.adaptor.kind === "qwen4b" ? qwen4bAdaptorParameters(m.adaptor.config) : nanoAdaptorParameters(m.adaptor.config);
  const weights = { encoder: encoderParams * 4, adaptor: adaptorParams * 4, decoder: qwen3WeightBytes(c, m.decoderBits, backend) };

  const used = m.promptTokens + m.audioFrames + m.maxNewTokens;
  const positions = Math.ceil(used / KV_CACHE_STEP) * KV_CACHE_STEP;
  const kvCache = c.num_hidden_layers * 2 * c.num_key_value_heads * headDim(c) * positions * actBytes;

  // Peak of the largest single step, float32 audio path: the encoder and adaptor on the
  // longest piece, or the decoder's prefill over the prompt (scores materialized).
  const frames = Math.ceil((m.segmentSeconds * 100) / 6);
  let audioPeak = 0;
  if (m.encoder) {
    const d = m.encoder.encoder_conf.output_size;
    audioPeak = 4 * (frames * (m.encoder.input_size + 8 * d + 2 * m.encoder.encoder_conf.linear_units) + m.encoder.encoder_conf.attention_heads * frames * frames);
  }
  if (m.adaptor?.kind === "qwen4b") {
    const a = m.adaptor.config;
    audioPeak = Math.max(audioPeak, 4 * (frames * (8 * a.hidden_dim + 2 * a.ffn_dim + 2 * a.output_dim) + a.num_heads * frames * frames));
  }
  const p = m.promptTokens + m.audioFrames;
  const prefillPeak = actBytes * (p * (8 * c.hidden_size + 3 * c.intermediate_size) + c.num_attention_heads * p * p) + 4 * c.vocab_size;
  const activations = Math.max(audioPeak, prefillPeak);
  const total = weights.encoder + weights.adaptor + weights.decoder + kvCache + activations;
  return { backend, weights, kvCache, activations, total, positions };
}

function gb(bytes: number): string {
  return `${(bytes / GB).toFixed(2)} GB`;
}

/** The report the command line prints. */
export function formatMemoryReport(title: string, inputs: MemoryInputs, estimates: readonly MemoryEstimate[]): string {
  const bitsLabel = inputs.decoderBits >= 16 ? "float" : `INT${inputs.decoderBits}`;
  const lines = [
    `memory needed by ${title}, decoder ${bitsLabel}, longest segment ${inputs.segmentSeconds} s (${inputs.audioFrames} audio frames, ${inputs.promptTokens} prompt tokens, up to ${inputs.maxNewTokens} new tokens)`,
    "",
    `${"".padEnd(26)}${estimates.map((e) => (e.backend === "metal" ? "Metal (bf16)" : "CPU (float32)").padStart(16)).join("")}`,
    ...(
      [
        ["encoder weights", (e: MemoryEstimate) => e.weights.encoder],
        ["adaptor weights", (e: MemoryEstimate) => e.weights.adaptor],
        ["decoder weights", (e: MemoryEstimate) => e.weights.decoder],
        ["KV cache", (e: MemoryEstimate) => e.kvCache],
        ["activations (peak step)", (e: MemoryEstimate) => e.activations],
        ["total", (e: MemoryEstimate) => e.total],
      ] as const
    ).map(([label, pick]) => `${label.padEnd(26)}${estimates.map((e) => gb(pick(e)).padStart(16)).join("")}`),
    "",
  ];
  const metal = estimates.find((e) => e.backend === "metal");
  if (metal) {
    const verdict =
      metal.total <= METAL_WORKING_SET_16GB
        ? `fits a 16 GB Mac (Metal's working set there is about ${gb(METAL_WORKING_SET_16GB)})`
        : metal.total <= 16 * GB
          ? `over Metal's ~${gb(METAL_WORKING_SET_16GB)} working set of a 16 GB Mac: expect swapping; use --quantize 4`
          : "does not fit a 16 GB Mac; use --quantize 4 or a smaller model";
    lines.push(`16 GB Mac: ${verdict}.`);
  }
  return lines.join("\n");
}
