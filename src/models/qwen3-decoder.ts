/**
 * Qwen3 decoder (HF `Qwen3ForCausalLM` names): RMSNorm, GQA attention with
 * per-head q/k RMSNorm before rotate-half RoPE, SwiGLU MLP, tied or untied head.
 * Float checkpoints (f32/f16/bf16) and MLX affine-quantized ones (mlx-community
 * `weight`/`scales`/`biases`); a float checkpoint can be quantized while loading.
 * spec/qwen3_decoder.md.
 */
import { join } from "node:path";
import { z } from "zod";
import { MAX_LAYERS } from "./config-bounds";
import { readConfig } from "../config";
import { ConfigError, ModelFileError } from "../errors";
import { backend, decoderDtype } from "../engine/device";
import { mx, type Tensor } from "../engine/mlx";
import { castFloating, CheckpointIndex, expectTensors, findWeightFiles, loadCheckpoint } from "../engine/weights";
import { releaseMemory } from "../runtime";
import { silu } from "../nn/activations";
import { attend, mergeHeads } from "../nn/attention";
import { Embedding, QuantizedEmbedding, type TokenEmbedding } from "../nn/embedding";
import { KVCache } from "../nn/kv-cache";
import { Linear, QuantizedLinear, type Projection, type QuantizationParams } from "../nn/linear";
import { RmsNorm } from "../nn/norm";
import { ProjectionGroup } from "../nn/projection-group";
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
  rope_scaling: z.null().optional(),
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

export interface Qwen3LoadOptions {
  /** Key prefix of the decoder in the checkpoint (`llm.` in Fun-ASR-Nano's); detected when omitted. */
  readonly prefix?: string;
  /** Quantize a float checkpoint's projections and embedding at load time. */
  readonly quantizeBits?: 4 | 8;
  readonly groupSize?: number;
}

/** The engine's quantized kernels need at least this many input features. */
export const MIN_QUANTIZED_INPUT = 512;

class DecoderLayer {
  /** Norm, q/k/v projections and the per-head q/k norms: `h` → q, k, v as `[B, heads, L, D]`, before RoPE. */
  private readonly pre: Module;
  /** o projection, residual, norm and SwiGLU MLP: (`h`, attention context) → the layer's output. */
  private readonly post: Module;

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
  ) {
    const shape = [config.num_attention_heads, config.num_key_value_heads, headDim(config)].join("x");
    this.pre = { params: paramsOf(inputNorm, qkv, qNorm, kNorm), signature: signatureOf("qwen3-pre", inputNorm, qkv, qNorm, kNorm, shape) };
    this.post = { params: paramsOf(o, postNorm, gateUp, down), signature: signatureOf("qwen3-post", o, postNorm, gateUp, down) };
  }

  forward(h: Tensor, cache: KVCache, mask: Tensor | undefined, keysAsViews: boolean): Tensor {
    const c = this.config;
    const hd = headDim(c);
    const offset = cache.offset;
    // A decode step (one position) runs eagerly so its matrix products can use every core
    // (row shards on parallel streams); longer inputs run compiled, which frees their
    // large intermediates as the engine goes instead of when JS collects them.
    const eager = h.shape[1] === 1;
    let [q, k, v] = (eager ? this.project(h, eagerly) : callCompiled(this.pre, [h], ([x], p) => this.project(x!, compiled(p)))) as [Tensor, Tensor, Tensor];
    q = mx.fast.rope(q, hd, false, c.rope_theta, 1, offset);
    k = mx.fast.rope(k, hd, false, c.rope_theta, 1, offset);
    const [keys, values] = cache.update(k, v, keysAsViews);
    const context = attend(q, keys, values, hd ** -0.5, mask);
    if (eager) return this.finish(h, context, eagerly);
    return callCompiled(this.post, [h, context], ([residual, ctx], p) => [this.finish(residual!, ctx!, compiled(p))])[0]!;
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

/**
 * Additive causal mask `[L, span]`: query i (at position offset + i) sees keys
 * j ≤ offset + i; keys beyond offset + L (unused cache capacity) are masked too.
 */
export function causalMask(length: number, offset: number, dtype = mx.float32, span = offset + length): Tensor {
  const rows = mx.arange(offset, offset + length, 1, mx.int32).reshape([length, 1]);
  const cols = mx.arange(0, span, 1, mx.int32).reshape([1, span]);
  return mx.where(mx.greaterEqual(rows, cols), 0, -Infinity).astype(dtype);
}

export class Qwen3Decoder {
  private constructor(
    readonly config: Qwen3Config,
    readonly embedTokens: TokenEmbedding,
    private readonly layers: DecoderLayer[],
    private readonly norm: RmsNorm,
    private readonly lmHead: Projection | null,
    /** Bits per weight of the projections (32/16 float, or the quantization bits). */
    readonly weightBits: number,
    readonly dtype: ReturnType<typeof decoderDtype>,
  ) {}

  get hiddenSize(): number {
    return this.config.hidden_size;
  }

  get vocabSize(): number {
    return this.config.vocab_size;
  }

  /** Loads `<dir>/config.json` and its safetensors (single, sharded, or any in the folder). */
  static async load(dir: string, options: Qwen3LoadOptions = {}): Promise<Qwen3Decoder> {
    const configFile = join(dir, "config.json");
    const config = readConfig(configFile, Qwen3ConfigSchema);
    return Qwen3Decoder.fromCheckpoint(config, CheckpointIndex.fromFiles(findWeightFiles(dir)), configFile, options);
  }

  static async fromCheckpoint(
    config: Qwen3Config,
    fullIndex: CheckpointIndex,
    configFile: string,
    options: Qwen3LoadOptions = {},
  ): Promise<Qwen3Decoder> {
    const prefix = options.prefix ?? (fullIndex.has("llm.model.embed_tokens.weight") ? "llm." : "");
    const index = fullIndex.withPrefix(prefix);
    if (options.quantizeBits && config.quantization) {
      throw new ConfigError("CONFIG_INVALID", configFile, "the checkpoint is already quantized; it cannot be quantized again at load");
    }
    const ignoreTiedHead = (name: string) => config.tie_word_embeddings && name.startsWith("lm_head.");
    expectTensors(index, qwen3Tensors(config, index, configFile), "Qwen3 decoder", ignoreTiedHead);

    const dtype = decoderDtype();
    const raw = loadCheckpoint(fullIndex, prefix);
    const requested: QuantizationParams | null = options.quantizeBits ? { groupSize: options.groupSize ?? 64, bits: options.quantizeBits } : null;
    const pending: Tensor[] = [];
    const take = (name: string): Tensor => {
      const t = raw[name];
      if (!t) throw new ModelFileError("WEIGHTS_MISSING", fullIndex.label, `tensor "${prefix}${name}" is missing`);
      delete raw[name];
      return t;
    };
    const projection = (path: string): Projection => {
      const stored = storedQuantization(config, index, path, configFile);
      const bias = config.attention_bias && index.has(`${path}.bias`) ? castFloating(take(`${path}.bias`), dtype) : undefined;
      let layer: Projection;
      if (stored) {
        layer = new QuantizedLinear(take(`${path}.weight`), castFloating(take(`${path}.scales`), dtype), castFloating(take(`${path}.biases`), dtype), stored, bias);
      } else {
        const source = take(`${path}.weight`);
        const quantizable = requested && source.shape[1]! >= MIN_QUANTIZED_INPUT && source.shape[1]! % requested.groupSize === 0;
        layer = quantizable ? QuantizedLinear.fromFloat(source, requested, bias, dtype) : new Linear(castFloating(source, dtype), bias);
      }
      return layer;
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
      embedTokens = requested && config.hidden_size >= MIN_QUANTIZED_INPUT ? QuantizedEmbedding.fromFloat(source, requested, dtype) : new Embedding(castFloating(source, dtype));
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
        ),
      );
      await flush();
    }
    const finalNorm = norm("model.norm");
    const lmHead = config.tie_word_embeddings ? null : single("lm_head");
    await flush();
    const sample = layers.length ? storedQuantization(config, index, "model.layers.0.mlp.gate_proj", configFile) ?? requested : requested;
    const bits = sample ? sample.bits : dtype === mx.float32 ? 32 : 16;
    return new Qwen3Decoder(config, embedTokens, layers, finalNorm, lmHead, bits, dtype);
  }

  newCache(): KVCache[] {
    return this.layers.map(() => new KVCache());
  }

  /** `ids [B, L]` int32 → embeddings `[B, L, H]` in the decoder's dtype. */
  embed(ids: Tensor): Tensor {
    return this.embedTokens.lookup(ids).astype(this.dtype);
  }

  /**
   * Runs `inputsEmbeds [B, L, H]` at the cache's offset (appending to it) and
   * returns float32 logits: `[B, L, V]` with `allPositions`, else `[B, 1, V]` for the last.
   */
  forward(inputsEmbeds: Tensor, cache: KVCache[], allPositions = false): Tensor {
    const length = inputsEmbeds.shape[1]!;
    const offset = cache[0]?.offset ?? 0;
    // On the CPU, attention reads the whole cache buffer under a mask: slicing it would leave
    // views alive (until GC) that stop the engine from updating the buffer in place, and each
    // step would copy the entire cache. On Metal a copy is cheap and views keep the fast kernel.
    const keysAsViews = backend() === "metal";
    const span = keysAsViews ? offset + length : (cache[0]?.capacityFor(offset + length) ?? offset + length);
    const mask = length > 1 || span > offset + length ? causalMask(length, offset, this.dtype, span) : undefined;
    let h = inputsEmbeds.astype(this.dtype);
    this.layers.forEach((layer, i) => (h = layer.forward(h, cache[i]!, mask, keysAsViews)));
    if (!allPositions && length > 1) h = h.index(mx.Slice(), mx.Slice(length - 1, length));
    h = this.norm.forward(h);
    const logits = this.lmHead ? this.lmHead.forward(h) : this.embedTokens.asLinear(h);
    return logits.astype(mx.float32);
  }
}
