/**
 * Qwen3 decoder (transformers `Qwen3ForCausalLM` names): the SwiGLU decoder with a
 * per-head q/k RMSNorm before RoPE. Also the text model of Qwen3-ASR, whose
 * multimodal RoPE (`rope_scaling.mrope_section`) is taken as such.
 */
import { z } from "zod";
import { MAX_LAYERS } from "../nn/config-bounds";
import type { KeyLayout } from "../engine/key-layout";
import { CheckpointIndex } from "../engine/weights";
import { loadNetworkFolder, type LanguageModelDefinition, type LanguageModelSizes, type NetworkWeights } from "../nn/network";
import { Rope } from "../nn/rope";
import { countIndexed, shapeOf } from "../nn/shapes";
import { buildDecoderModules, decoderParameterCounts, decoderTensors, kvValuesPerPosition, StoredQuantizationSchema, SwiGluDecoder, type DecoderGeometry, type DecoderModules } from "../nn/swiglu-decoder";

export const Qwen3ConfigSchema = z.object({
  model_type: z.string().default("qwen3"),
  hidden_size: z.number().int().positive(),
  num_hidden_layers: z.number().int().positive().max(MAX_LAYERS),
  num_attention_heads: z.number().int().positive(),
  num_key_value_heads: z.number().int().positive(),
  head_dim: z.number().int().positive().optional(),
  intermediate_size: z.number().int().positive(),
  vocab_size: z.number().int().positive(),
  rms_norm_eps: z.number().positive().default(1e-6),
  rope_theta: z.number().positive().default(1_000_000),
  /** Plain RoPE, or the multimodal sections of Qwen3-ASR / Qwen2.5-Omni (the same RoPE when positions are equal on every axis). */
  rope_scaling: z
    .object({
      rope_type: z.literal("default").optional(),
      type: z.literal("default").optional(),
      mrope_section: z.array(z.number().int().nonnegative()).optional(),
      interleaved: z.boolean().optional(),
      mrope_interleaved: z.boolean().optional(),
    })
    .nullable()
    .optional(),
  tie_word_embeddings: z.boolean().default(false),
  attention_bias: z.boolean().default(false),
  hidden_act: z.literal("silu").default("silu"),
  max_position_embeddings: z.number().int().positive().default(40960),
  bos_token_id: z.number().int().nullable().optional(),
  eos_token_id: z.union([z.number().int(), z.array(z.number().int())]).nullable().optional(),
  quantization: StoredQuantizationSchema,
});
export type Qwen3Config = z.output<typeof Qwen3ConfigSchema>;

export function headDim(c: Qwen3Config): number {
  return c.head_dim ?? c.hidden_size / c.num_attention_heads;
}

function geometryOf(c: Qwen3Config): DecoderGeometry {
  return {
    hiddenSize: c.hidden_size,
    layers: c.num_hidden_layers,
    heads: c.num_attention_heads,
    kvHeads: c.num_key_value_heads,
    headDim: headDim(c),
    intermediateSize: c.intermediate_size,
    vocabSize: c.vocab_size,
    rmsEps: c.rms_norm_eps,
    tiedEmbeddings: c.tie_word_embeddings,
    headNorms: true,
    attentionBias: c.attention_bias,
    quantization: c.quantization,
  };
}

/** Names and shapes the checkpoint must hold (float unless `index` shows quantized modules). */
export function qwen3Tensors(c: Qwen3Config, index: CheckpointIndex = new CheckpointIndex([], new Map()), configFile = "config.json"): Map<string, number[]> {
  return decoderTensors(geometryOf(c), index, configFile);
}

function ropeOf(c: Qwen3Config): Rope {
  const scaling = c.rope_scaling ?? undefined;
  return new Rope({
    dims: headDim(c),
    base: c.rope_theta,
    multimodalSections: scaling?.mrope_section,
    multimodalInterleaved: scaling?.interleaved ?? scaling?.mrope_interleaved ?? false,
  });
}

export class Qwen3Decoder extends SwiGluDecoder {
  private constructor(
    readonly config: Qwen3Config,
    modules: DecoderModules,
  ) {
    super(modules);
  }

  /** Loads `<dir>/config.json` and its safetensors (single, sharded, or any in the folder). */
  static async load(dir: string, options: { quantizeBits?: 4 | 8 } = {}): Promise<Qwen3Decoder> {
    return loadNetworkFolder(QWEN3_DECODER, dir, options);
  }

  /** Builds the decoder from canonical (`model.*`, `lm_head.*`) tensors, layer by layer, releasing memory as it goes. */
  static async build(config: Qwen3Config, weights: NetworkWeights, configFile: string, quantizeBits?: 4 | 8): Promise<Qwen3Decoder> {
    return new Qwen3Decoder(config, await buildDecoderModules(geometryOf(config), ropeOf(config), weights, configFile, quantizeBits));
  }
}

/** The configuration a checkpoint's shapes give; head counts, eps and θ come from `base`. */
function configFromShapes(index: CheckpointIndex, base: Qwen3Config): Qwen3Config {
  const c = "Qwen3 decoder";
  const [vocab, hidden] = shapeOf(index, "model.embed_tokens.weight", c) as [number, number];
  const [intermediate] = shapeOf(index, "model.layers.0.mlp.gate_proj.weight", c) as [number];
  const [hd] = shapeOf(index, "model.layers.0.self_attn.q_norm.weight", c) as [number];
  return {
    ...base,
    vocab_size: vocab,
    hidden_size: hidden,
    intermediate_size: intermediate,
    head_dim: hd,
    num_hidden_layers: countIndexed(index, /^model\.layers\.(\d+)\./),
    tie_word_embeddings: !index.has("lm_head.weight"),
  };
}

/** Float parameters of the decoder's quantizable matrices (embedding + projections) and of its norms. */
export function qwen3ParameterCounts(c: Qwen3Config): { matrices: number; norms: number } {
  return decoderParameterCounts(geometryOf(c));
}

/** Where the memory estimates take the decoder's size from. */
export const QWEN3_SIZES: LanguageModelSizes<Qwen3Config> = {
  parameters: qwen3ParameterCounts,
  kvValuesPerPosition: (c) => kvValuesPerPosition(geometryOf(c)),
  prefillValuesPerPosition: (c) => 8 * c.hidden_size + 3 * c.intermediate_size,
  heads: (c) => c.num_attention_heads,
  vocabSize: (c) => c.vocab_size,
};

const QWEN3_COMMON = {
  model_type: "qwen3",
  head_dim: 128,
  vocab_size: 151936,
  rms_norm_eps: 1e-6,
  rope_theta: 1_000_000,
  tie_word_embeddings: true,
  max_position_embeddings: 40960,
  bos_token_id: 151643,
  eos_token_id: 151645,
};

export const QWEN3_0_6B: Qwen3Config = Qwen3ConfigSchema.parse({
  ...QWEN3_COMMON,
  hidden_size: 1024,
  num_hidden_layers: 28,
  num_attention_heads: 16,
  num_key_value_heads: 8,
  intermediate_size: 3072,
});

export const QWEN3_4B: Qwen3Config = Qwen3ConfigSchema.parse({
  ...QWEN3_COMMON,
  hidden_size: 2560,
  num_hidden_layers: 36,
  num_attention_heads: 32,
  num_key_value_heads: 8,
  intermediate_size: 9728,
});

/** Qwen3-ASR's files hold the text model beside the audio tower (released with `thinker.` removed, and mlx-community's). */
const BESIDE_AUDIO_TOWER_LAYOUT: KeyLayout = {
  name: "beside an audio tower",
  detect: (index) => index.has("audio_tower.conv2d1.weight"),
  rules: [{ match: /^audio_tower\./, drop: true }],
};

/** transformers' multimodal models: `model.language_model.*` beside `model.audio_tower.*` and `model.multi_modal_projector.*`. */
const TRANSFORMERS_MULTIMODAL_LAYOUT: KeyLayout = {
  name: "transformers multimodal",
  detect: (index) => index.has("model.language_model.embed_tokens.weight"),
  rules: [
    { match: /^model\.(audio_tower|multi_modal_projector)\./, drop: true },
    { match: /^model\.language_model\./, rename: "model." },
  ],
};

export const QWEN3_DECODER: LanguageModelDefinition<Qwen3Config, Qwen3Decoder> = {
  title: "Qwen3 decoder",
  schema: Qwen3ConfigSchema,
  released: { "Qwen3-0.6B": QWEN3_0_6B, "Qwen3-4B": QWEN3_4B },
  layouts: [BESIDE_AUDIO_TOWER_LAYOUT, TRANSFORMERS_MULTIMODAL_LAYOUT],
  /** Fun-ASR-Nano's combined checkpoint keeps the LLM under `llm.`. */
  prefixes: () => ["", "llm."],
  tensors: (c, index, configSource) => qwen3Tensors(c, index, configSource),
  ignores: (name, c) => c.tie_word_embeddings && name.startsWith("lm_head."),
  configFromShapes,
  parameters: (c) => {
    const { matrices, norms } = qwen3ParameterCounts(c);
    return matrices + norms;
  },
  sizes: QWEN3_SIZES,
  quantization: (c) => c.quantization ?? null,
  build: (config, weights, options) => Qwen3Decoder.build(config, weights, options.configSource, options.quantizeBits),
};

/** A 2-layer Qwen3 of the given width over the real Qwen3 vocabulary (so the real tokenizer works with it). */
export function tinyQwen3(width: number): Qwen3Config {
  return Qwen3ConfigSchema.parse({
    ...QWEN3_COMMON,
    hidden_size: width,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    head_dim: width / 4,
    intermediate_size: 2 * width,
    max_position_embeddings: 40960,
  });
}
