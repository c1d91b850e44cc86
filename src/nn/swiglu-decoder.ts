/**
 * The decoder-only transformer of the Llama line, in transformers' `*ForCausalLM`
 * names: RMSNorm, grouped-query attention with rotate-half RoPE (optionally a
 * per-head RMSNorm of queries and keys before it, as Qwen3 has), SwiGLU MLP, tied
 * or untied head, over a KV cache. Float checkpoints and MLX affine-quantized ones
 * (mlx-community `weight`/`scales`/`biases`); a float checkpoint can be quantized
 * while loading. Networks that differ from it only in configuration and names are
 * built from it.
 */
import { z } from "zod";
import { backend, decoderDtype } from "../engine/device";
import { ConfigError, ModelFileError } from "../errors";
import { mx, type Tensor } from "../engine/mlx";
import { castFloating, CheckpointIndex } from "../engine/weights";
import { releaseMemory } from "../runtime";
import { silu } from "./activations";
import { attend, causalMask, mergeHeads } from "./attention";
import { Embedding, QuantizedEmbedding, type TokenEmbedding } from "./embedding";
import { KVCache } from "./kv-cache";
import { Linear, QuantizedLinear, type Projection, type QuantizationParams } from "./linear";
import { callCompiled, ParamCursor, paramsOf, signatureOf, type Module } from "./module";
import type { NetworkWeights } from "./network";
import { RmsNorm } from "./norm";
import type { CausalLM, CausalLMForwardOptions, DecoderCache } from "./parts";
import { ProjectionGroup } from "./projection-group";
import type { Rope } from "./rope";

const QuantizationEntry = z.object({ group_size: z.number().int().positive(), bits: z.union([z.literal(2), z.literal(3), z.literal(4), z.literal(6), z.literal(8)]) });

/** `config.json`'s `quantization` as mlx-lm writes it: defaults, and per-module entries by path. */
export const StoredQuantizationSchema = QuantizationEntry.extend({ mode: z.literal("affine").optional() })
  .catchall(z.union([QuantizationEntry, z.boolean(), z.string(), z.number()]))
  .optional();
export type StoredQuantizationConfig = z.output<typeof StoredQuantizationSchema>;

/** What the decoder's modules and shapes follow from. */
export interface DecoderGeometry {
  readonly hiddenSize: number;
  readonly layers: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly intermediateSize: number;
  readonly vocabSize: number;
  readonly rmsEps: number;
  readonly tiedEmbeddings: boolean;
  /** Per-head RMSNorm of queries and keys before RoPE (`self_attn.q_norm`, `self_attn.k_norm`). */
  readonly headNorms: boolean;
  /** Biases on the q, k and v projections, where the checkpoint holds them. */
  readonly attentionBias: boolean;
  readonly quantization: StoredQuantizationConfig;
}

/** The engine's quantized kernels need at least this many input features. */
export const MIN_QUANTIZED_INPUT = 512;

/** Whether a `[out, in]` matrix can be quantized with this group size by the engine. */
export function isQuantizableWidth(inFeatures: number, groupSize: number): boolean {
  return inFeatures >= MIN_QUANTIZED_INPUT && inFeatures % groupSize === 0;
}

/** Every weight-bearing module path with its float `[out, in]` shape. */
function modulePaths(g: DecoderGeometry): Map<string, [number, number]> {
  const h = g.hiddenSize;
  const paths = new Map<string, [number, number]>([["model.embed_tokens", [g.vocabSize, h]]]);
  for (let i = 0; i < g.layers; i++) {
    const p = `model.layers.${i}.`;
    paths.set(`${p}self_attn.q_proj`, [g.heads * g.headDim, h]);
    paths.set(`${p}self_attn.k_proj`, [g.kvHeads * g.headDim, h]);
    paths.set(`${p}self_attn.v_proj`, [g.kvHeads * g.headDim, h]);
    paths.set(`${p}self_attn.o_proj`, [h, g.heads * g.headDim]);
    paths.set(`${p}mlp.gate_proj`, [g.intermediateSize, h]);
    paths.set(`${p}mlp.up_proj`, [g.intermediateSize, h]);
    paths.set(`${p}mlp.down_proj`, [h, g.intermediateSize]);
  }
  if (!g.tiedEmbeddings) paths.set("lm_head", [g.vocabSize, h]);
  return paths;
}

/** The quantization of a module as stored in a checkpoint (mlx-lm rule: quantized iff `<path>.scales` exists). */
function storedQuantization(g: DecoderGeometry, index: CheckpointIndex, path: string, file: string): QuantizationParams | null {
  if (!index.has(`${path}.scales`)) return null;
  const q = g.quantization;
  if (!q) throw new ConfigError("CONFIG_INVALID", file, `field "quantization": missing, but the weights hold "${path}.scales"`);
  const override = q[path];
  const entry = typeof override === "object" && override !== null ? (override as { group_size: number; bits: number }) : q;
  return { groupSize: entry.group_size, bits: entry.bits };
}

/** Names and shapes the checkpoint must hold (float unless `index` shows quantized modules). */
export function decoderTensors(g: DecoderGeometry, index: CheckpointIndex = new CheckpointIndex([], new Map()), configFile = "config.json"): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  for (const [path, [out, inF]] of modulePaths(g)) {
    const q = storedQuantization(g, index, path, configFile);
    if (q) {
      shapes.set(`${path}.weight`, [out, (inF * q.bits) / 32]);
      shapes.set(`${path}.scales`, [out, inF / q.groupSize]);
      shapes.set(`${path}.biases`, [out, inF / q.groupSize]);
    } else {
      shapes.set(`${path}.weight`, [out, inF]);
    }
    if (g.attentionBias && /self_attn\.[qkv]_proj$/.test(path)) shapes.set(`${path}.bias`, [out]);
  }
  for (let i = 0; i < g.layers; i++) {
    const p = `model.layers.${i}.`;
    shapes.set(`${p}input_layernorm.weight`, [g.hiddenSize]);
    shapes.set(`${p}post_attention_layernorm.weight`, [g.hiddenSize]);
    if (g.headNorms) {
      shapes.set(`${p}self_attn.q_norm.weight`, [g.headDim]);
      shapes.set(`${p}self_attn.k_norm.weight`, [g.headDim]);
    }
  }
  shapes.set("model.norm.weight", [g.hiddenSize]);
  return shapes;
}

/** Float parameters of the quantizable matrices (embedding, projections, head) and of the norms. */
export function decoderParameterCounts(g: DecoderGeometry): { matrices: number; norms: number } {
  const h = g.hiddenSize;
  const perLayer =
    g.heads * g.headDim * h * 2 + // q_proj, o_proj
    g.kvHeads * g.headDim * h * 2 + // k_proj, v_proj
    g.intermediateSize * h * 3; // gate, up, down
  const matrices = g.vocabSize * h * (g.tiedEmbeddings ? 1 : 2) + perLayer * g.layers;
  const norms = g.layers * (2 * h + (g.headNorms ? 2 * g.headDim : 0)) + h;
  return { matrices, norms };
}

/** Values one position adds to the KV cache. */
export function kvValuesPerPosition(g: DecoderGeometry): number {
  return g.layers * 2 * g.kvHeads * g.headDim;
}

/** Where a layer's RoPE puts its queries and keys: an offset, or explicit position ids. */
type Positions = { readonly offset: number } | { readonly ids: Tensor };

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

/** The per-head norms of queries and keys, or none. */
type HeadNorms = { readonly q: RmsNorm; readonly k: RmsNorm } | null;

class DecoderLayer {
  /** Norm, q/k/v projections and the per-head norms: `h` → q, k, v as `[B, heads, L, D]`, before RoPE. */
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
    private readonly headNorms: HeadNorms,
    private readonly postNorm: RmsNorm,
    /** gate and up projections (fused where the storage allows). */
    private readonly gateUp: ProjectionGroup,
    private readonly down: Projection,
    private readonly geometry: DecoderGeometry,
    private readonly rope: Rope,
  ) {
    const g = geometry;
    const shape = [g.heads, g.kvHeads, g.headDim].join("x");
    const norms = headNorms ? [headNorms.q, headNorms.k] : [];
    const kind = headNorms ? "qk-norm" : "no-qk-norm";
    this.pre = { params: paramsOf(inputNorm, qkv, ...norms), signature: signatureOf("decoder-pre", inputNorm, qkv, ...norms, kind, shape) };
    this.post = { params: paramsOf(o, postNorm, gateUp, down), signature: signatureOf("decoder-post", o, postNorm, gateUp, down) };
    this.stepPre = { params: paramsOf(inputNorm, qkv.row, ...norms), signature: signatureOf("decoder-step-pre", inputNorm, qkv.row, ...norms, kind, shape) };
    this.stepPost = { params: paramsOf(o.row, postNorm, gateUp.row, down.row), signature: signatureOf("decoder-step-post", o.row, postNorm, gateUp.row, down.row, shape) };
  }

  /** `ownKeys`: the input is the cache's first positions, and attends to its own keys and values rather than the buffer's. */
  forward(h: Tensor, cache: KVCache, mask: Tensor | undefined, keysAsViews: boolean, positions: Positions, ownKeys = false): Tensor {
    // One position over the whole cache buffer (the CPU): the shapes repeat from step to step, so
    // the step runs as two compiled functions traced once instead of ~45 engine calls per layer
    // built in JS every token. With views (Metal) the key length, hence the trace, would change every step.
    if (h.shape[1] === 1 && !keysAsViews) return this.step(h, cache, mask, positions);
    // A decode step on Metal runs eagerly so its matrix products can use the parallel streams;
    // longer inputs run compiled, which frees their large intermediates as the engine goes
    // instead of when JS collects them.
    const eager = h.shape[1] === 1;
    let [q, k, v] = (eager ? this.project(h, eagerly) : callCompiled(this.pre, [h], ([x], p) => this.project(x!, compiled(p)))) as [Tensor, Tensor, Tensor];
    [q, k] = this.rotate(q, k, positions);
    const [keys, values] = cache.update(k, v, keysAsViews);
    const context = attend(q, ownKeys ? k : keys, ownKeys ? v : values, this.geometry.headDim ** -0.5, mask);
    if (eager) return this.finish(h, context, eagerly);
    return callCompiled(this.post, [h, context], ([residual, ctx], p) => [this.finish(residual!, ctx!, compiled(p))])[0]!;
  }

  private step(h: Tensor, cache: KVCache, mask: Tensor | undefined, positions: Positions): Tensor {
    const scale = this.geometry.headDim ** -0.5;
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
    const g = this.geometry;
    const [b, l] = h.shape as [number, number];
    const [qOut, kOut, vOut] = run.group(this.qkv, run(this.inputNorm, h)) as [Tensor, Tensor, Tensor];
    let q = qOut.reshape([b, l, g.heads, g.headDim]);
    let k = kOut.reshape([b, l, g.kvHeads, g.headDim]);
    const v = vOut.reshape([b, l, g.kvHeads, g.headDim]);
    if (this.headNorms) [q, k] = [run(this.headNorms.q, q), run(this.headNorms.k, k)];
    return [q.transpose(0, 2, 1, 3), k.transpose(0, 2, 1, 3), v.transpose(0, 2, 1, 3)];
  }

  private finish(h: Tensor, context: Tensor, run: Runner): Tensor {
    const h2 = mx.add(h, run(this.o, mergeHeads(context)));
    const [gate, up] = run.group(this.gateUp, run(this.postNorm, h2)) as [Tensor, Tensor];
    return mx.add(h2, run(this.down, mx.multiply(silu(gate), up)));
  }
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

/** A built decoder's modules. */
export interface DecoderModules {
  readonly geometry: DecoderGeometry;
  readonly embedTokens: TokenEmbedding;
  readonly layers: readonly DecoderLayer[];
  readonly norm: RmsNorm;
  readonly lmHead: Projection | null;
  /** Bits per weight of the projections (32/16 float, or the quantization bits). */
  readonly weightBits: number;
  readonly dtype: ReturnType<typeof decoderDtype>;
}

/** Builds the modules from canonical (`model.*`, `lm_head.*`) tensors, layer by layer, releasing memory as it goes. */
export async function buildDecoderModules(geometry: DecoderGeometry, rope: Rope, weights: NetworkWeights, configFile: string, quantizeBits?: 4 | 8): Promise<DecoderModules> {
  const g = geometry;
  const index = weights.index;
  if (quantizeBits && g.quantization) {
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
    const stored = storedQuantization(g, index, path, configFile);
    const bias = g.attentionBias && index.has(`${path}.bias`) ? castFloating(take(`${path}.bias`), dtype) : undefined;
    if (stored) {
      return new QuantizedLinear(take(`${path}.weight`), castFloating(take(`${path}.scales`), dtype), castFloating(take(`${path}.biases`), dtype), stored, bias);
    }
    const source = take(`${path}.weight`);
    const quantizable = requested && isQuantizableWidth(source.shape[1]!, requested.groupSize);
    return quantizable ? QuantizedLinear.fromFloat(source, requested, bias, dtype) : new Linear(castFloating(source, dtype), bias);
  };
  const group = (paths: string[]) => {
    const grouped = ProjectionGroup.of(paths.map(projection));
    pending.push(...grouped.params);
    return grouped;
  };
  const single = (path: string) => {
    const p = projection(path);
    pending.push(...p.params);
    return p;
  };
  const norm = (name: string) => {
    const n = new RmsNorm(castFloating(take(`${name}.weight`), dtype), g.rmsEps);
    pending.push(n.weight);
    return n;
  };
  const flush = async () => {
    mx.eval(...pending);
    pending.length = 0;
    await releaseMemory();
  };

  const embedStored = storedQuantization(g, index, "model.embed_tokens", configFile);
  let embedTokens: TokenEmbedding;
  if (embedStored) {
    embedTokens = new QuantizedEmbedding(take("model.embed_tokens.weight"), castFloating(take("model.embed_tokens.scales"), dtype), castFloating(take("model.embed_tokens.biases"), dtype), embedStored);
  } else {
    const source = take("model.embed_tokens.weight");
    embedTokens = requested && isQuantizableWidth(g.hiddenSize, requested.groupSize) ? QuantizedEmbedding.fromFloat(source, requested, dtype) : new Embedding(castFloating(source, dtype));
  }
  pending.push(...Object.values(embedTokens).filter((v): v is Tensor => v instanceof mx.array));
  await flush();

  const layers: DecoderLayer[] = [];
  for (let i = 0; i < g.layers; i++) {
    const p = `model.layers.${i}.`;
    layers.push(
      new DecoderLayer(
        norm(`${p}input_layernorm`),
        group([`${p}self_attn.q_proj`, `${p}self_attn.k_proj`, `${p}self_attn.v_proj`]),
        single(`${p}self_attn.o_proj`),
        g.headNorms ? { q: norm(`${p}self_attn.q_norm`), k: norm(`${p}self_attn.k_norm`) } : null,
        norm(`${p}post_attention_layernorm`),
        group([`${p}mlp.gate_proj`, `${p}mlp.up_proj`]),
        single(`${p}mlp.down_proj`),
        g,
        rope,
      ),
    );
    await flush();
  }
  const finalNorm = norm("model.norm");
  const lmHead = g.tiedEmbeddings ? null : single("lm_head");
  await flush();
  const sample = layers.length ? (storedQuantization(g, index, "model.layers.0.mlp.gate_proj", configFile) ?? requested) : requested;
  const weightBits = sample ? sample.bits : dtype === mx.float32 ? 32 : 16;
  return { geometry: g, embedTokens, layers, norm: finalNorm, lmHead, weightBits, dtype };
}

export class SwiGluDecoder implements CausalLM {
  readonly embedTokens: TokenEmbedding;
  /** Bits per weight of the projections (32/16 float, or the quantization bits). */
  readonly weightBits: number;
  readonly dtype: ReturnType<typeof decoderDtype>;
  private readonly geometry: DecoderGeometry;
  private readonly layers: readonly DecoderLayer[];
  private readonly norm: RmsNorm;
  private readonly lmHead: Projection | null;

  protected constructor(modules: DecoderModules) {
    ({ geometry: this.geometry, embedTokens: this.embedTokens, layers: this.layers, norm: this.norm, lmHead: this.lmHead, weightBits: this.weightBits, dtype: this.dtype } = modules);
  }

  get hiddenSize(): number {
    return this.geometry.hiddenSize;
  }

  get vocabSize(): number {
    return this.geometry.vocabSize;
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
    // A prompt prefilled into an empty cache attends to its own keys (L × L scores), not to the
    // whole buffer under a mask (L × capacity): at 405 positions, 17 instead of 20 ms a layer.
    const ownKeys = !keysAsViews && offset === 0 && length > 1;
    const span = keysAsViews || ownKeys ? offset + length : (caches[0]?.capacityFor(offset + length) ?? offset + length);
    const mask = length > 1 || span > offset + length ? causalMask(length, offset, this.dtype, span) : undefined;
    const positions: Positions = options.positions ? { ids: options.positions } : { offset };
    let h = inputsEmbeds.astype(this.dtype);
    this.layers.forEach((layer, i) => (h = layer.forward(h, caches[i]!, mask, keysAsViews, positions, ownKeys)));
    if (!options.allPositions && length > 1) h = h.index(mx.Slice(), mx.Slice(length - 1, length));
    h = this.norm.forward(h);
    const logits = this.lmHead ? this.lmHead.forward(h) : this.embedTokens.asLinear(h);
    return logits.astype(mx.float32);
  }
}
