/**
 * Llama decoder (transformers `LlamaForCausalLM` names): RMSNorm, GQA attention
 * with rotate-half RoPE over the whole head, SwiGLU MLP, tied or untied head. Float
 * checkpoints and MLX affine-quantized ones (mlx-community `weight`/`scales`/`biases`);
 * a float checkpoint can be quantized while loading. The text model of GLM-ASR.
 */
import { z } from "zod";
import { ConfigError, ModelFileError } from "../errors";
import { backend, decoderDtype } from "../engine/device";
import type { KeyLayout } from "../engine/key-layout";
import { mx, type Tensor } from "../engine/mlx";
import { castFloating, CheckpointIndex } from "../engine/weights";
import { releaseMemory } from "../runtime";
import { silu } from "../nn/activations";
import { attend, causalMask, mergeHeads } from "../nn/attention";
import { MAX_LAYERS } from "../nn/config-bounds";
import { Embedding, QuantizedEmbedding, type TokenEmbedding } from "../nn/embedding";
import { KVCache } from "../nn/kv-cache";
import { Linear, QuantizedLinear, type Projection, type QuantizationParams } from "../nn/linear";
import { callCompiled, ParamCursor, paramsOf, signatureOf, type Module } from "../nn/module";
import { loadNetworkFolder, type LanguageModelDefinition, type LanguageModelSizes, type NetworkWeights } from "../nn/network";
import { RmsNorm } from "../nn/norm";
import type { CausalLM, CausalLMForwardOptions, DecoderCache } from "../nn/parts";
import { ProjectionGroup } from "../nn/projection-group";
import { Rope } from "../nn/rope";
import { countIndexed, shapeOf } from "../nn/shapes";
import { isQuantizableWidth, LayerCaches } from "./qwen3-decoder";

const QuantizationEntry = z.object({ group_size: z.number().int().positive(), bits: z.union([z.literal(2), z.literal(3), z.literal(4), z.literal(6), z.literal(8)]) });

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
    quantization: QuantizationEntry.extend({ mode: z.literal("affine").optional() })
      .catchall(z.union([QuantizationEntry, z.boolean(), z.string(), z.number()]))
      .optional(),
  })
  .transform(({ rope_parameters, ...c }) => ({ ...c, rope_theta: c.rope_theta ?? rope_parameters?.rope_theta ?? 10000 }));
export type LlamaConfig = z.output<typeof LlamaConfigSchema>;

export function llamaHeadDim(c: LlamaConfig): number {
  return c.head_dim ?? c.hidden_size / c.num_attention_heads;
}

/** Every weight-bearing module path with its float `[out, in]` shape. */
function modulePaths(c: LlamaConfig): Map<string, [number, number]> {
  const hd = llamaHeadDim(c);
  const h = c.hidden_size;
  const paths = new Map<string, [number, number]>([["model.embed_tokens", [c.vocab_size, h]]]);
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const p = `model.layers.${i}.`;
    paths.set(`${p}self_attn.q_proj`, [c.num_attention_heads * hd, h]);
    paths.set(`${p}self_attn.k_proj`, [c.num_key_value_heads * hd, h]);
    paths.set(`${p}self_attn.v_proj`, [c.num_key_value_heads * hd, h]);
    paths.set(`${p}self_attn.o_proj`, [h, c.num_attention_heads * hd]);
    paths.set(`${p}mlp.gate_proj`, [c.intermediate_size, h]);
    paths.set(`${p}mlp.up_proj`, [c.intermediate_size, h]);
    paths.set(`${p}mlp.down_proj`, [h, c.intermediate_size]);
  }
  if (!c.tie_word_embeddings) paths.set("lm_head", [c.vocab_size, h]);
  return paths;
}

/** The quantization of a module as stored (mlx-lm rule: quantized iff `<path>.scales` exists). */
function storedQuantization(c: LlamaConfig, index: CheckpointIndex, path: string, file: string): QuantizationParams | null {
  if (!index.has(`${path}.scales`)) return null;
  const q = c.quantization;
  if (!q) throw new ConfigError("CONFIG_INVALID", file, `field "quantization": missing, but the weights hold "${path}.scales"`);
  const override = q[path];
  const entry = typeof override === "object" && override !== null ? (override as { group_size: number; bits: number }) : q;
  return { groupSize: entry.group_size, bits: entry.bits };
}

/** Names and shapes the checkpoint must hold (float unless `index` shows quantized modules). */
export function llamaTensors(c: LlamaConfig, index: CheckpointIndex = new CheckpointIndex([], new Map()), configFile = "config.json"): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  for (const [path, [out, inF]] of modulePaths(c)) {
    const q = storedQuantization(c, index, path, configFile);
    if (q) {
      shapes.set(`${path}.weight`, [out, (inF * q.bits) / 32]);
      shapes.set(`${path}.scales`, [out, inF / q.groupSize]);
      shapes.set(`${path}.biases`, [out, inF / q.groupSize]);
    } else {
      shapes.set(`${path}.weight`, [out, inF]);
    }
  }
  for (let i = 0; i < c.num_hidden_layers; i++) {
    shapes.set(`model.layers.${i}.input_layernorm.weight`, [c.hidden_size]);
    shapes.set(`model.layers.${i}.post_attention_layernorm.weight`, [c.hidden_size]);
  }
  shapes.set("model.norm.weight", [c.hidden_size]);
  return shapes;
}

/** Applies modules: eagerly with their own tensors, or inside a compiled function reading them from the cursor. */
interface Runner {
  (module: Projection | RmsNorm, x: Tensor): Tensor;
  group(group: ProjectionGroup, x: Tensor): Tensor[];
}
const eagerly: Runner = Object.assign((module: Projection | RmsNorm, x: Tensor) => module.forward(x), {
  group: (group: ProjectionGroup, x: Tensor) => group.forward(x),
});
function compiled(p: ParamCursor): Runner {
  return Object.assign((module: Projection | RmsNorm, x: Tensor) => module.call(x, p), { group: (group: ProjectionGroup, x: Tensor) => group.call(x, p) });
}

class LlamaLayer {
  /** Norm and q/k/v projections: `h` → q, k, v as `[B, heads, L, D]`, before RoPE. */
  private readonly pre: Module;
  /** o projection, residual, norm and SwiGLU MLP: (`h`, attention context) → the layer's output. */
  private readonly post: Module;

  constructor(
    private readonly inputNorm: RmsNorm,
    private readonly qkv: ProjectionGroup,
    private readonly o: Projection,
    private readonly postNorm: RmsNorm,
    private readonly gateUp: ProjectionGroup,
    private readonly down: Projection,
    private readonly config: LlamaConfig,
    private readonly rope: Rope,
  ) {
    const shape = [config.num_attention_heads, config.num_key_value_heads, llamaHeadDim(config)].join("x");
    this.pre = { params: paramsOf(inputNorm, qkv), signature: signatureOf("llama-pre", inputNorm, qkv, shape) };
    this.post = { params: paramsOf(o, postNorm, gateUp, down), signature: signatureOf("llama-post", o, postNorm, gateUp, down) };
  }

  forward(h: Tensor, cache: KVCache, mask: Tensor | undefined, keysAsViews: boolean, positions: Tensor | number): Tensor {
    // A decode step runs eagerly (its products use the parallel streams); longer inputs compiled.
    const eager = h.shape[1] === 1;
    let [q, k, v] = (eager ? this.project(h, eagerly) : callCompiled(this.pre, [h], ([x], p) => this.project(x!, compiled(p)))) as [Tensor, Tensor, Tensor];
    if (typeof positions === "number") {
      q = this.rope.apply(q, positions);
      k = this.rope.apply(k, positions);
    } else {
      q = this.rope.applyAt(q, positions);
      k = this.rope.applyAt(k, positions);
    }
    const [keys, values] = cache.update(k, v, keysAsViews);
    const context = attend(q, keys, values, llamaHeadDim(this.config) ** -0.5, mask);
    if (eager) return this.finish(h, context, eagerly);
    return callCompiled(this.post, [h, context], ([residual, ctx], p) => [this.finish(residual!, ctx!, compiled(p))])[0]!;
  }

  private project(h: Tensor, run: Runner): Tensor[] {
    const c = this.config;
    const hd = llamaHeadDim(c);
    const [b, l] = h.shape as [number, number];
    const [q, k, v] = run.group(this.qkv, run(this.inputNorm, h)) as [Tensor, Tensor, Tensor];
    return [
      q.reshape([b, l, c.num_attention_heads, hd]).transpose(0, 2, 1, 3),
      k.reshape([b, l, c.num_key_value_heads, hd]).transpose(0, 2, 1, 3),
      v.reshape([b, l, c.num_key_value_heads, hd]).transpose(0, 2, 1, 3),
    ];
  }

  private finish(h: Tensor, context: Tensor, run: Runner): Tensor {
    const h2 = mx.add(h, run(this.o, mergeHeads(context)));
    const [gate, up] = run.group(this.gateUp, run(this.postNorm, h2)) as [Tensor, Tensor];
    return mx.add(h2, run(this.down, mx.multiply(silu(gate), up)));
  }
}

export class LlamaDecoder implements CausalLM {
  private constructor(
    readonly config: LlamaConfig,
    readonly embedTokens: TokenEmbedding,
    private readonly layers: LlamaLayer[],
    private readonly norm: RmsNorm,
    private readonly lmHead: Projection | null,
    readonly weightBits: number,
    readonly dtype: ReturnType<typeof decoderDtype>,
  ) {}

  get hiddenSize(): number {
    return this.config.hidden_size;
  }

  get vocabSize(): number {
    return this.config.vocab_size;
  }

  /** Loads `<dir>/config.json` and its safetensors. */
  static async load(dir: string, options: { quantizeBits?: 4 | 8 } = {}): Promise<LlamaDecoder> {
    return loadNetworkFolder(LLAMA_DECODER, dir, options);
  }

  /** Builds from canonical (`model.*`, `lm_head.*`) tensors, layer by layer, releasing memory as it goes. */
  static async build(config: LlamaConfig, weights: NetworkWeights, configFile: string, quantizeBits?: 4 | 8): Promise<LlamaDecoder> {
    const index = weights.index;
    if (quantizeBits && config.quantization) {
      throw new ConfigError("CONFIG_INVALID", configFile, "the checkpoint is already quantized; it cannot be quantized again at load");
    }
    const dtype = decoderDtype();
    const requested: QuantizationParams | null = quantizeBits ? { groupSize: 64, bits: quantizeBits } : null;
    const pending: Tensor[] = [];
    const take = (name: string): Tensor => {
      if (!weights.has(name)) throw new ModelFileError("WEIGHTS_MISSING", index.label, `tensor "${name}" is missing`);
      return weights.take(name);
    };
    const projection = (path: string): Projection => {
      const stored = storedQuantization(config, index, path, configFile);
      if (stored) return new QuantizedLinear(take(`${path}.weight`), castFloating(take(`${path}.scales`), dtype), castFloating(take(`${path}.biases`), dtype), stored);
      const source = take(`${path}.weight`);
      return requested && isQuantizableWidth(source.shape[1]!, requested.groupSize) ? QuantizedLinear.fromFloat(source, requested, undefined, dtype) : new Linear(castFloating(source, dtype));
    };
    const group = (paths: string[]) => {
      const g = ProjectionGroup.of(paths.map(projection));
      pending.push(...g.params);
      return g;
    };
    const single = (path: string) => {
      const p = projection(path);
      pending.push(...p.params);
      return p;
    };
    const norm = (name: string) => {
      const n = new RmsNorm(castFloating(take(`${name}.weight`), dtype), config.rms_norm_eps);
      pending.push(n.weight);
      return n;
    };
    const flush = async () => {
      mx.eval(...pending);
      pending.length = 0;
      await releaseMemory();
    };

    const embedStored = storedQuantization(config, index, "model.embed_tokens", configFile);
    let embedTokens: TokenEmbedding;
    if (embedStored) {
      embedTokens = new QuantizedEmbedding(take("model.embed_tokens.weight"), castFloating(take("model.embed_tokens.scales"), dtype), castFloating(take("model.embed_tokens.biases"), dtype), embedStored);
    } else {
      const source = take("model.embed_tokens.weight");
      embedTokens = requested && isQuantizableWidth(config.hidden_size, requested.groupSize) ? QuantizedEmbedding.fromFloat(source, requested, dtype) : new Embedding(castFloating(source, dtype));
    }
    pending.push(...Object.values(embedTokens).filter((v): v is Tensor => v instanceof mx.array));
    await flush();

    const rope = new Rope({ dims: llamaHeadDim(config), base: config.rope_theta });
    const layers: LlamaLayer[] = [];
    for (let i = 0; i < config.num_hidden_layers; i++) {
      const p = `model.layers.${i}.`;
      layers.push(
        new LlamaLayer(
          norm(`${p}input_layernorm`),
          group([`${p}self_attn.q_proj`, `${p}self_attn.k_proj`, `${p}self_attn.v_proj`]),
          single(`${p}self_attn.o_proj`),
          norm(`${p}post_attention_layernorm`),
          group([`${p}mlp.gate_proj`, `${p}mlp.up_proj`]),
          single(`${p}mlp.down_proj`),
          config,
          rope,
        ),
      );
      await flush();
    }
    const finalNorm = norm("model.norm");
    const lmHead = config.tie_word_embeddings ? null : single("lm_head");
    await flush();
    const sample = layers.length ? (storedQuantization(config, index, "model.layers.0.mlp.gate_proj", configFile) ?? requested) : requested;
    const bits = sample ? sample.bits : dtype === mx.float32 ? 32 : 16;
    return new LlamaDecoder(config, embedTokens, layers, finalNorm, lmHead, bits, dtype);
  }

  newCache(): LayerCaches {
    return new LayerCaches(this.layers.map(() => new KVCache()));
  }

  /** `ids [B, L]` int32 → embeddings `[B, L, H]` in the decoder's dtype. */
  embed(ids: Tensor): Tensor {
    return this.embedTokens.lookup(ids).astype(this.dtype);
  }

  /** Runs `inputsEmbeds [B, L, H]` at the cache's offset; float32 logits `[B, L, V]` with `allPositions`, else `[B, 1, V]`. */
  forward(inputsEmbeds: Tensor, cache: DecoderCache, options: CausalLMForwardOptions = {}): Tensor {
    const caches = (cache as LayerCaches).layers;
    const length = inputsEmbeds.shape[1]!;
    const offset = cache.offset;
    // The CPU reads the whole cache buffer under a mask (views would stop in-place updates); Metal slices it.
    const keysAsViews = backend() === "metal";
    const span = keysAsViews ? offset + length : (caches[0]?.capacityFor(offset + length) ?? offset + length);
    const mask = length > 1 || span > offset + length ? causalMask(length, offset, this.dtype, span) : undefined;
    const positions = options.positions ?? offset;
    let h = inputsEmbeds.astype(this.dtype);
    this.layers.forEach((layer, i) => (h = layer.forward(h, caches[i]!, mask, keysAsViews, positions)));
    if (!options.allPositions && length > 1) h = h.index(mx.Slice(), mx.Slice(length - 1, length));
    h = this.norm.forward(h);
    const logits = this.lmHead ? this.lmHead.forward(h) : this.embedTokens.asLinear(h);
    return logits.astype(mx.float32);
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
  const hd = llamaHeadDim(c);
  const h = c.hidden_size;
  const perLayer = c.num_attention_heads * hd * h * 2 + c.num_key_value_heads * hd * h * 2 + c.intermediate_size * h * 3;
  const matrices = c.vocab_size * h * (c.tie_word_embeddings ? 1 : 2) + perLayer * c.num_hidden_layers;
  return { matrices, norms: c.num_hidden_layers * 2 * h + h };
}

export const LLAMA_SIZES: LanguageModelSizes<LlamaConfig> = {
  parameters: llamaParameterCounts,
  kvValuesPerPosition: (c) => c.num_hidden_layers * 2 * c.num_key_value_heads * llamaHeadDim(c),
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
