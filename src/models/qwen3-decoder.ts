/**
 * Qwen3 decoder (transformers `Qwen3ForCausalLM` names): RMSNorm, GQA attention
 * with per-head q/k RMSNorm before rotate-half RoPE, SwiGLU MLP, tied or untied
 * head. Float checkpoints (f32/f16/bf16) and MLX affine-quantized ones
 * (mlx-community `weight`/`scales`/`biases`); a float checkpoint can be quantized
 * while loading. Also the text model of Qwen3-ASR, whose multimodal RoPE
 * (`rope_scaling.mrope_section`) is taken as such.
 */
import { z } from "zod";
import { MAX_LAYERS } from "../nn/config-bounds";
import { ConfigError, ModelFileError } from "../errors";
import { backend, decoderDtype } from "../engine/device";
import type { KeyLayout } from "../engine/key-layout";
import { mx, type Tensor } from "../engine/mlx";
import { castFloating, CheckpointIndex } from "../engine/weights";
import { releaseMemory } from "../runtime";
import { silu } from "../nn/activations";
import { attend, causalMask, mergeHeads } from "../nn/attention";
import { Embedding, QuantizedEmbedding, type TokenEmbedding } from "../nn/embedding";
import { KVCache } from "../nn/kv-cache";
import { Linear, QuantizedLinear, type Projection, type QuantizationParams } from "../nn/linear";
import { loadNetworkFolder, type LanguageModelDefinition, type LanguageModelSizes, type NetworkWeights } from "../nn/network";
import { RmsNorm } from "../nn/norm";
import type { CausalLM, CausalLMForwardOptions, DecoderCache } from "../nn/parts";
import { ProjectionGroup } from "../nn/projection-group";
import { Rope } from "../nn/rope";
import { countIndexed, shapeOf } from "../nn/shapes";
import { callCompiled, ParamCursor, paramsOf, signatureOf, type Module } from "../nn/module";

const QuantizationEntry = z.object({ group_size: z.number().int().positive(), bits: z.union([z.literal(2), z.literal(3), z.literal(4), z.literal(6), z.literal(8)]) });

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
  quantization: QuantizationEntry.extend({ mode: z.literal("affine").optional() })
    .catchall(z.union([QuantizationEntry, z.boolean(), z.string(), z.number()]))
    .optional(),
});
export type Qwen3Config = z.output<typeof Qwen3ConfigSchema>;

export function headDim(c: Qwen3Config): number {
  return c.head_dim ?? c.hidden_size / c.num_attention_heads;
}

/** Every weight-bearing module path with its float `[out, in]` shape. */
function modulePaths(c: Qwen3Config): Map<string, [number, number]> {
  const hd = headDim(c);
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

/** The quantization of a module as stored in a checkpoint (mlx-lm rule: quantized iff `<path>.scales` exists). */
function storedQuantization(c: Qwen3Config, index: CheckpointIndex, path: string, file: string): QuantizationParams | null {
  if (!index.has(`${path}.scales`)) return null;
  const q = c.quantization;
  if (!q) throw new ConfigError("CONFIG_INVALID", file, `field "quantization": missing, but the weights hold "${path}.scales"`);
  const override = q[path];
  const entry = typeof override === "object" && override !== null ? (override as { group_size: number; bits: number }) : q;
  return { groupSize: entry.group_size, bits: entry.bits };
}

/** Names and shapes the checkpoint must hold (float unless `index` shows quantized modules). */
export function qwen3Tensors(c: Qwen3Config, index: CheckpointIndex = new CheckpointIndex([], new Map()), configFile = "config.json"): Map<string, number[]> {
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
    if (c.attention_bias && /self_attn\.[qkvo]_proj$/.test(path) && !path.endsWith("o_proj")) shapes.set(`${path}.bias`, [out]);
  }
  const hd = headDim(c);
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const p = `model.layers.${i}.`;
    shapes.set(`${p}input_layernorm.weight`, [c.hidden_size]);
    shapes.set(`${p}post_attention_layernorm.weight`, [c.hidden_size]);
    shapes.set(`${p}self_attn.q_norm.weight`, [hd]);
    shapes.set(`${p}self_attn.k_norm.weight`, [hd]);
  }
  shapes.set("model.norm.weight", [c.hidden_size]);
  return shapes;
}

/** The engine's quantized kernels need at least this many input features. */
export const MIN_QUANTIZED_INPUT = 512;

/** Whether a `[out, in]` matrix can be quantized with this group size by the engine. */
export function isQuantizableWidth(inFeatures: number, groupSize: number): boolean {
  return inFeatures >= MIN_QUANTIZED_INPUT && inFeatures % groupSize === 0;
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

/** Where a layer's RoPE puts its queries and keys: an offset, or explicit position ids. */
type Positions = { readonly offset: number } | { readonly ids: Tensor };

class DecoderLayer {
  /** Norm, q/k/v projections and the per-head q/k norms: `h` → q, k, v as `[B, heads, L, D]`, before RoPE. */
  private readonly pre: Module;
  /** o projection, residual, norm and SwiGLU MLP: (`h`, attention context) → the layer's output. */
  private readonly post: Module;
  /** `pre` for one position, its matrix products split by rows across the parallel streams. */
  private readonly stepPre: Module;
  /** Attention over the whole cache buffer under its mask, then `post`, for one position (rows split as in `stepPre`). */
  private readonly stepPost: Module;

  constructor(
    private readonly inputNorm: RmsNorm,
    /** q, k, v projections (fused where the storage allows). */
    private readonly qkv: ProjectionGroup,
    private readonly o: Projection,
    private readonly qNorm: RmsNorm,
    private readonly kNorm: RmsNorm,
    private readonly postNorm: RmsNorm,
    /** gate and up projections (fused where the storage allows). */
    private readonly gateUp: ProjectionGroup,
    private readonly down: Projection,
    private readonly config: Qwen3Config,
    private readonly rope: Rope,
  ) {
    const shape = [config.num_attention_heads, config.num_key_value_heads, headDim(config)].join("x");
    this.pre = { params: paramsOf(inputNorm, qkv, qNorm, kNorm), signature: signatureOf("qwen3-pre", inputNorm, qkv, qNorm, kNorm, shape) };
    this.post = { params: paramsOf(o, postNorm, gateUp, down), signature: signatureOf("qwen3-post", o, postNorm, gateUp, down) };
    this.stepPre = { params: paramsOf(inputNorm, qkv.row, qNorm, kNorm), signature: signatureOf("qwen3-step-pre", inputNorm, qkv.row, qNorm, kNorm, shape) };
    this.stepPost = { params: paramsOf(o.row, postNorm, gateUp.row, down.row), signature: signatureOf("qwen3-step-post", o.row, postNorm, gateUp.row, down.row, shape) };
  }

  forward(h: Tensor, cache: KVCache, mask: Tensor | undefined, keysAsViews: boolean, positions: Positions): Tensor {
    const hd = headDim(this.config);
    // One position over the whole cache buffer (the CPU): the shapes repeat from step to step, so
    // the step runs as two compiled functions traced once instead of ~45 engine calls per layer
    // built in JS every token. With views (Metal) the key length, hence the trace, would change every step.
    if (h.shape[1] === 1 && !keysAsViews) return this.step(h, cache, mask, positions);
    // A decode step (one position) runs eagerly so its matrix products can use every core
    // (row shards on parallel streams); longer inputs run compiled, which frees their
    // large intermediates as the engine goes instead of when JS collects them.
    const eager = h.shape[1] === 1;
    let [q, k, v] = (eager ? this.project(h, eagerly) : callCompiled(this.pre, [h], ([x], p) => this.project(x!, compiled(p)))) as [Tensor, Tensor, Tensor];
    [q, k] = this.rotate(q, k, positions);
    const [keys, values] = cache.update(k, v, keysAsViews);
    const context = attend(q, keys, values, hd ** -0.5, mask);
    if (eager) return this.finish(h, context, eagerly);
    return callCompiled(this.post, [h, context], ([residual, ctx], p) => [this.finish(residual!, ctx!, compiled(p))])[0]!;
  }

  private step(h: Tensor, cache: KVCache, mask: Tensor | undefined, positions: Positions): Tensor {
    const scale = headDim(this.config) ** -0.5;
    let [q, k, v] = callCompiled(this.stepPre, [h], ([x], p) => this.project(x!, rowwise(p))) as [Tensor, Tensor, Tensor];
    [q, k] = this.rotate(q, k, positions);
    const [keys, values] = cache.update(k, v, false);
    const inputs = mask ? [h, q, keys, values, mask] : [h, q, keys, values];
    return callCompiled(this.stepPost, inputs, ([residual, query, ks, vs, m], p) => [this.finish(residual!, attend(query!, ks!, vs!, scale, m), rowwise(p))])[0]!;
  }

  /** RoPE on queries and keys (eager: its offset is a number, which a compiled function would fix at its first value). */
  private rotate(q: Tensor, k: Tensor, positions: Positions): [Tensor, Tensor] {
    if ("ids" in positions) return [this.rope.applyAt(q, positions.ids), this.rope.applyAt(k, positions.ids)];
    return [this.rope.apply(q, positions.offset), this.rope.apply(k, positions.offset)];
  }

  private project(h: Tensor, run: Runner): Tensor[] {
    const c = this.config;
    const hd = headDim(c);
    const [b, l] = h.shape as [number, number];
    const x = run(this.inputNorm, h);
    const [qOut, kOut, vOut] = run.group(this.qkv, x) as [Tensor, Tensor, Tensor];
    const q = qOut.reshape([b, l, c.num_attention_heads, hd]);
    const k = kOut.reshape([b, l, c.num_key_value_heads, hd]);
    const v = vOut.reshape([b, l, c.num_key_value_heads, hd]);
    return [run(this.qNorm, q).transpose(0, 2, 1, 3), run(this.kNorm, k).transpose(0, 2, 1, 3), v.transpose(0, 2, 1, 3)];
  }

  private finish(h: Tensor, context: Tensor, run: Runner): Tensor {
    const h2 = mx.add(h, run(this.o, mergeHeads(context)));
    const y = run(this.postNorm, h2);
    const [gate, up] = run.group(this.gateUp, y) as [Tensor, Tensor];
    return mx.add(h2, run(this.down, mx.multiply(silu(gate), up)));
  }
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
/** Inside a compiled function, single-row forms (projections split by rows across the streams). */
function rowwise(p: ParamCursor): Runner {
  return Object.assign((module: Projection | RmsNorm, x: Tensor) => ("callRow" in module ? module.callRow(x, p) : module.call(x, p)), {
    group: (group: ProjectionGroup, x: Tensor) => group.callRow(x, p),
  });
}

/** One KV cache per layer. */
export class LayerCaches implements DecoderCache {
  constructor(readonly layers: readonly KVCache[]) {}

  get offset(): number {
    return this.layers[0]?.offset ?? 0;
  }

  rewind(offset: number): void {
    for (const layer of this.layers) layer.rewind(offset);
  }
}

export class Qwen3Decoder implements CausalLM {
  private readonly rope: Rope;

  private constructor(
    readonly config: Qwen3Config,
    readonly embedTokens: TokenEmbedding,
    private readonly layers: DecoderLayer[],
    private readonly norm: RmsNorm,
    private readonly lmHead: Projection | null,
    /** Bits per weight of the projections (32/16 float, or the quantization bits). */
    readonly weightBits: number,
    readonly dtype: ReturnType<typeof decoderDtype>,
  ) {
    this.rope = ropeOf(config);
  }

  get hiddenSize(): number {
    return this.config.hidden_size;
  }

  get vocabSize(): number {
    return this.config.vocab_size;
  }

  /** Loads `<dir>/config.json` and its safetensors (single, sharded, or any in the folder). */
  static async load(dir: string, options: { quantizeBits?: 4 | 8 } = {}): Promise<Qwen3Decoder> {
    return loadNetworkFolder(QWEN3_DECODER, dir, options);
  }

  /** Builds the decoder from canonical (`model.*`, `lm_head.*`) tensors, layer by layer, releasing memory as it goes. */
  static async build(config: Qwen3Config, weights: NetworkWeights, configFile: string, quantizeBits?: 4 | 8): Promise<Qwen3Decoder> {
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
    const rope = ropeOf(config);
    const projection = (path: string): Projection => {
      const stored = storedQuantization(config, index, path, configFile);
      const bias = config.attention_bias && index.has(`${path}.bias`) ? castFloating(take(`${path}.bias`), dtype) : undefined;
      if (stored) {
        return new QuantizedLinear(take(`${path}.weight`), castFloating(take(`${path}.scales`), dtype), castFloating(take(`${path}.biases`), dtype), stored, bias);
      }
      const source = take(`${path}.weight`);
      const quantizable = requested && isQuantizableWidth(source.shape[1]!, requested.groupSize);
      return quantizable ? QuantizedLinear.fromFloat(source, requested, bias, dtype) : new Linear(castFloating(source, dtype), bias);
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

    const layers: DecoderLayer[] = [];
    for (let i = 0; i < config.num_hidden_layers; i++) {
      const p = `model.layers.${i}.`;
      layers.push(
        new DecoderLayer(
          norm(`${p}input_layernorm`),
          group([`${p}self_attn.q_proj`, `${p}self_attn.k_proj`, `${p}self_attn.v_proj`]),
          single(`${p}self_attn.o_proj`),
          norm(`${p}self_attn.q_norm`),
          norm(`${p}self_attn.k_norm`),
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
    return new Qwen3Decoder(config, embedTokens, layers, finalNorm, lmHead, bits, dtype);
  }

  newCache(): LayerCaches {
    return new LayerCaches(this.layers.map(() => new KVCache()));
  }

  /** `ids [B, L]` int32 → embeddings `[B, L, H]` in the decoder's dtype. */
  embed(ids: Tensor): Tensor {
    return this.embedTokens.lookup(ids).astype(this.dtype);
  }

  /**
   * Runs `inputsEmbeds [B, L, H]` at the cache's offset (appending to it) and
   * returns float32 logits: `[B, L, V]` with `allPositions`, else `[B, 1, V]` for the last.
   */
  forward(inputsEmbeds: Tensor, cache: DecoderCache, options: CausalLMForwardOptions = {}): Tensor {
    const caches = (cache as LayerCaches).layers;
    const length = inputsEmbeds.shape[1]!;
    const offset = cache.offset;
    // On the CPU, attention reads the whole cache buffer under a mask: slicing it would leave
    // views alive (until GC) that stop the engine from updating the buffer in place, and each
    // step would copy the entire cache. On Metal a copy is cheap and views keep the fast kernel.
    const keysAsViews = backend() === "metal";
    const span = keysAsViews ? offset + length : (caches[0]?.capacityFor(offset + length) ?? offset + length);
    const mask = length > 1 || span > offset + length ? causalMask(length, offset, this.dtype, span) : undefined;
    const positions: Positions = options.positions ? { ids: options.positions } : { offset };
    let h = inputsEmbeds.astype(this.dtype);
    this.layers.forEach((layer, i) => (h = layer.forward(h, caches[i]!, mask, keysAsViews, positions)));
    if (!options.allPositions && length > 1) h = h.index(mx.Slice(), mx.Slice(length - 1, length));
    h = this.norm.forward(h);
    const logits = this.lmHead ? this.lmHead.forward(h) : this.embedTokens.asLinear(h);
    return logits.astype(mx.float32);
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

/** Where the memory estimates take the decoder's size from. */
export const QWEN3_SIZES: LanguageModelSizes<Qwen3Config> = {
  parameters: qwen3ParameterCounts,
  kvValuesPerPosition: (c) => c.num_hidden_layers * 2 * c.num_key_value_heads * headDim(c),
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
