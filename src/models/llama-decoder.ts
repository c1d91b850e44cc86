/**
 * Llama decoder (transformers `LlamaForCausalLM` names): the SwiGLU decoder with
 * plain rotate-half RoPE over the whole head and no q/k norm. The text model of GLM-ASR.
 */
import { z } from "zod";
import type { KeyLayout } from "../engine/key-layout";
import type { CheckpointIndex } from "../engine/weights";
import { MAX_LAYERS } from "../nn/config-bounds";
import { loadNetworkFolder, type LanguageModelDefinition, type LanguageModelSizes, type NetworkWeights } from "../nn/network";
import { Rope } from "../nn/rope";
import { countIndexed, shapeOf } from "../nn/shapes";
import { buildDecoderModules, decoderParameterCounts, decoderTensors, kvValuesPerPosition, StoredQuantizationSchema, SwiGluDecoder, type DecoderGeometry, type DecoderModules } from "../nn/swiglu-decoder";

export const LlamaConfigSchema = z
  .object({
    model_type: z.string().default("llama"),
    hidden_size: z.number().int().positive(),
    num_hidden_layers: z.number().int().positive().max(MAX_LAYERS),
    num_attention_heads: z.number().int().positive(),
    num_key_value_heads: z.number().int().positive(),
    head_dim: z.number().int().positive().nullable().optional(),
    intermediate_size: z.number().int().positive(),
    vocab_size: z.number().int().positive(),
    rms_norm_eps: z.number().positive().default(1e-5),
    rope_theta: z.number().positive().optional(),
    /** transformers 5 keeps θ here. */
    rope_parameters: z.object({ rope_theta: z.number().positive().optional(), rope_type: z.literal("default").optional() }).passthrough().nullable().optional(),
    rope_scaling: z.null().optional(),
    tie_word_embeddings: z.boolean().default(false),
    attention_bias: z.literal(false).default(false),
    mlp_bias: z.literal(false).default(false),
    hidden_act: z.literal("silu").default("silu"),
    max_position_embeddings: z.number().int().positive().default(8192),
    bos_token_id: z.number().int().nullable().optional(),
    eos_token_id: z.union([z.number().int(), z.array(z.number().int())]).nullable().optional(),
    pad_token_id: z.number().int().nullable().optional(),
    quantization: StoredQuantizationSchema,
  })
  .transform(({ rope_parameters, ...c }) => ({ ...c, rope_theta: c.rope_theta ?? rope_parameters?.rope_theta ?? 10000 }));
export type LlamaConfig = z.output<typeof LlamaConfigSchema>;

export function llamaHeadDim(c: LlamaConfig): number {
  return c.head_dim ?? c.hidden_size / c.num_attention_heads;
}

function geometryOf(c: LlamaConfig): DecoderGeometry {
  return {
    hiddenSize: c.hidden_size,
    layers: c.num_hidden_layers,
    heads: c.num_attention_heads,
    kvHeads: c.num_key_value_heads,
    headDim: llamaHeadDim(c),
    intermediateSize: c.intermediate_size,
    vocabSize: c.vocab_size,
    rmsEps: c.rms_norm_eps,
    tiedEmbeddings: c.tie_word_embeddings,
    headNorms: false,
    attentionBias: false,
    quantization: c.quantization,
  };
}

/** Names and shapes the checkpoint must hold (float unless `index` shows quantized modules). */
export function llamaTensors(c: LlamaConfig, index?: CheckpointIndex, configFile = "config.json"): Map<string, number[]> {
  return decoderTensors(geometryOf(c), index, configFile);
}

export class LlamaDecoder extends SwiGluDecoder {
  private constructor(
    readonly config: LlamaConfig,
    modules: DecoderModules,
  ) {
    super(modules);
  }

  /** Loads `<dir>/config.json` and its safetensors. */
  static async load(dir: string, options: { quantizeBits?: 4 | 8 } = {}): Promise<LlamaDecoder> {
    return loadNetworkFolder(LLAMA_DECODER, dir, options);
  }

  /** Builds from canonical (`model.*`, `lm_head.*`) tensors, layer by layer, releasing memory as it goes. */
  static async build(config: LlamaConfig, weights: NetworkWeights, configFile: string, quantizeBits?: 4 | 8): Promise<LlamaDecoder> {
    const rope = new Rope({ dims: llamaHeadDim(config), base: config.rope_theta });
    return new LlamaDecoder(config, await buildDecoderModules(geometryOf(config), rope, weights, configFile, quantizeBits));
  }
}

/** The configuration a checkpoint's shapes give; head counts, eps and θ come from `base`. */
function configFromShapes(index: CheckpointIndex, base: LlamaConfig): LlamaConfig {
  const n = "Llama decoder";
  const [vocab, hidden] = shapeOf(index, "model.embed_tokens.weight", n) as [number, number];
  const [intermediate] = shapeOf(index, "model.layers.0.mlp.gate_proj.weight", n) as [number];
  return {
    ...base,
    vocab_size: vocab,
    hidden_size: index.has("model.embed_tokens.scales") ? base.hidden_size : hidden,
    intermediate_size: index.has("model.layers.0.mlp.gate_proj.scales") ? base.intermediate_size : intermediate,
    num_hidden_layers: countIndexed(index, /^model\.layers\.(\d+)\./),
    tie_word_embeddings: !index.has("lm_head.weight"),
  };
}

/** Float parameters of the quantizable matrices (embedding, projections, head) and of the norms. */
export function llamaParameterCounts(c: LlamaConfig): { matrices: number; norms: number } {
  return decoderParameterCounts(geometryOf(c));
}

export const LLAMA_SIZES: LanguageModelSizes<LlamaConfig> = {
  parameters: llamaParameterCounts,
  kvValuesPerPosition: (c) => kvValuesPerPosition(geometryOf(c)),
  prefillValuesPerPosition: (c) => 8 * c.hidden_size + 3 * c.intermediate_size,
  heads: (c) => c.num_attention_heads,
  vocabSize: (c) => c.vocab_size,
};

/** GLM-ASR-Nano-2512's text model (`GlmAsrConfig._default_text_config_kwargs`). */
export const GLM_ASR_NANO_TEXT: LlamaConfig = LlamaConfigSchema.parse({
  hidden_size: 2048,
  num_hidden_layers: 28,
  num_attention_heads: 16,
  num_key_value_heads: 4,
  head_dim: 128,
  intermediate_size: 6144,
  vocab_size: 59264,
  rms_norm_eps: 1e-5,
  rope_theta: 10000,
  max_position_embeddings: 8192,
  tie_word_embeddings: false,
  eos_token_id: [59246, 59253, 59255],
  pad_token_id: 59246,
});

/** Multimodal checkpoints hold the text model beside an audio tower and a projector, which are not its own. */
const BESIDE_AUDIO_LAYOUT: KeyLayout = {
  name: "beside an audio encoder",
  detect: (index) => [...index.entries.keys()].some((n) => /^(audio_tower|audio_encoder|multi_modal_projector)\./.test(n)),
  rules: [{ match: /^(audio_tower|audio_encoder|multi_modal_projector)\./, drop: true }],
};

/** transformers 5.18's own `save_pretrained` doubles the prefix (`language_model.model.model.*`). */
const DOUBLED_PREFIX_LAYOUT: KeyLayout = {
  name: "doubled model. prefix (transformers save_pretrained)",
  detect: (index) => index.has("model.model.embed_tokens.weight"),
  rules: [{ match: /^model\.model\./, rename: "model." }],
};

export const LLAMA_DECODER: LanguageModelDefinition<LlamaConfig, LlamaDecoder> = {
  title: "Llama decoder",
  schema: LlamaConfigSchema as unknown as z.ZodType<LlamaConfig>,
  released: { "GLM-ASR-Nano-2512": GLM_ASR_NANO_TEXT },
  layouts: [DOUBLED_PREFIX_LAYOUT, BESIDE_AUDIO_LAYOUT],
  prefixes: () => ["", "language_model."],
  tensors: (c, index, configSource) => llamaTensors(c, index, configSource),
  ignores: (name, c) => c.tie_word_embeddings && name.startsWith("lm_head."),
  configFromShapes,
  parameters: (c) => {
    const { matrices, norms } = llamaParameterCounts(c);
    return matrices + norms;
  },
  sizes: LLAMA_SIZES,
  quantization: (c) => c.quantization ?? null,
  build: (config, weights, options) => LlamaDecoder.build(config, weights, options.configSource, options.quantizeBits),
};

/** A 2-layer Llama of the given width over `vocab` tokens, 4 query heads and 2 key/value heads. */
export function tinyLlama(width: number, vocab: number, eos: readonly number[]): LlamaConfig {
  return LlamaConfigSchema.parse({
    hidden_size: width,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    head_dim: width / 4,
    intermediate_size: 2 * width,
    vocab_size: vocab,
    eos_token_id: [...eos],
  });
}
