/**
 * What the loader, the quantizer, the memory report and the tiny-model generator
 * need to know about one network, declared next to its forward (in the manner of
 * mlx-lm's model files): its config schema, released configurations, the config
 * read off tensor shapes, the checkpoint layouts it reads, the tensors it needs,
 * its parameter count, and how to build it from canonical tensors.
 */
import type { z } from "zod";
import { canonicalIndex, canonicalTensors, detectLayout, type KeyLayout } from "../engine/key-layout";
import type { Tensor } from "../engine/mlx";
import type { CausalLM } from "./parts";
import { join } from "node:path";
import { readConfig } from "../config";
import { CheckpointIndex, expectTensors, findWeightFiles, loadCheckpoint } from "../engine/weights";

/** A network's tensors under canonical names, taken one at a time (so memory can be released as a network is built). */
export class NetworkWeights {
  constructor(
    /** Canonical names and shapes. */
    readonly index: CheckpointIndex,
    private readonly tensors: Record<string, Tensor>,
  ) {}

  has(name: string): boolean {
    return name in this.tensors;
  }

  /** The tensor `name` (or the first alternative present), in its stored dtype; it is handed over once. */
  take(name: string, ...alternatives: string[]): Tensor {
    const found = [name, ...alternatives].find((n) => n in this.tensors);
    if (found === undefined) throw new Error(`tensor "${name}" was checked but is not loaded`);
    const t = this.tensors[found]!;
    delete this.tensors[found];
    return t;
  }
}

export interface BuildOptions {
  /** Quantize float matrices while loading (language models). */
  readonly quantizeBits?: 4 | 8;
  /** Names the config in errors. */
  readonly configSource: string;
}

export interface NetworkDefinition<C, N> {
  /** What to call it in messages, e.g. "SenseVoice encoder". */
  readonly title: string;
  /** Its own config.json (mlx-asr's component layout). */
  readonly schema: z.ZodType<C>;
  /** Released configurations by name (also used for estimates before weights arrive). */
  readonly released: Readonly<Record<string, C>>;
  /** Checkpoint layouts it reads besides its canonical names, detected from the names. */
  readonly layouts: readonly KeyLayout[];
  /** Canonical names and shapes of what it needs; `index` shows how a checkpoint stores them (e.g. quantized). */
  tensors(config: C, index: CheckpointIndex, configSource: string): Map<string, number[]>;
  /** Key prefixes under which a checkpoint of ours (configured by `config`) may hold the tensors, most likely first. */
  prefixes?(config: C): readonly string[];
  /** Tensors a checkpoint may hold that it does not use (a CTC head, a tied LM head). */
  ignores?(name: string, config: C): boolean;
  /** The configuration of a checkpoint without a config of ours: sizes from its shapes, the rest from `base`. */
  configFromShapes(index: CheckpointIndex, base: C): C;
  /** Float parameters (for memory estimates). */
  parameters(config: C): number;
  /** Output frames for `inputFrames` valid input frames (audio networks; for sizing before loading). */
  outputFrames?(config: C, inputFrames: number): number;
  /** Bytes of its largest float32 step on `frames` input frames (audio networks; for memory estimates). */
  peakActivationBytes?(config: C, frames: number): number;
  build(config: C, weights: NetworkWeights, options: BuildOptions): N | Promise<N>;
}

/** Where a network's tensors are: files (one or shards), and the key prefix they sit under there. */
export interface TensorSource {
  readonly files: readonly string[];
  /** Undefined: the first of the network's `prefixes` (then none) under which its tensors are. */
  readonly prefix?: string;
}

/** The source's prefix, or else the first of the network's candidate prefixes (then none) under which its tensors are. */
function prefixOf<C, N>(def: NetworkDefinition<C, N>, config: C, source: TensorSource, full: CheckpointIndex): string {
  if (source.prefix !== undefined) return source.prefix;
  const candidates = def.prefixes?.(config) ?? [""];
  const holds = (prefix: string) => {
    const scoped = full.withPrefix(prefix);
    const names = canonicalIndex(scoped, detectLayout(def.layouts, scoped));
    return [...def.tensors(config, names, "").keys()].some((name) => names.has(name));
  };
  return [...candidates, ""].find(holds) ?? candidates[0] ?? "";
}

/** The source's index, prefix removed, under the network's canonical names (`config` only picks among a checkpoint of ours' prefixes). */
export function networkIndex<C, N>(def: NetworkDefinition<C, N>, source: TensorSource, config?: C): { index: CheckpointIndex; layout: KeyLayout; prefix: string } {
  const full = CheckpointIndex.fromFiles([...source.files]);
  const prefix = config === undefined ? (source.prefix ?? "") : prefixOf(def, config, source, full);
  const scoped = full.withPrefix(prefix);
  const layout = detectLayout(def.layouts, scoped);
  return { index: canonicalIndex(scoped, layout), layout, prefix };
}

/**
 * Checks names and shapes against the config from the headers alone, then loads
 * and builds; synchronous when the network's build is (the audio networks), so a
 * bad file throws at once.
 */
export function loadNetwork<C, N>(def: NetworkDefinition<C, N>, config: C, source: TensorSource, options: BuildOptions): N | Promise<N> {
  const full = CheckpointIndex.fromFiles([...source.files]);
  const { index, layout, prefix } = networkIndex(def, source, config);
  expectTensors(index, def.tensors(config, index, options.configSource), def.title, (name) => def.ignores?.(name, config) ?? false);
  const tensors = canonicalTensors(loadCheckpoint(full, prefix), layout);
  for (const name of Object.keys(tensors)) if (!index.has(name) || def.ignores?.(name, config)) delete tensors[name];
  return def.build(config, new NetworkWeights(index, tensors), options);
}

/** What memory estimates need to know of a language model's size. */
export interface LanguageModelSizes<C> {
  /** Float parameters of its quantizable matrices (embedding, projections, head) and of its norms. */
  parameters(config: C): { readonly matrices: number; readonly norms: number };
  /** Values its KV cache holds per position (all layers, keys and values). */
  kvValuesPerPosition(config: C): number;
  /** Values a prefill keeps alive per position in its largest step. */
  prefillValuesPerPosition(config: C): number;
  /** Attention heads (their scores dominate a long prefill). */
  heads(config: C): number;
  vocabSize(config: C): number;
}

/** A language model's definition: a network with sizes for the memory report and an optional stored quantization. */
export interface LanguageModelDefinition<C, N extends CausalLM> extends NetworkDefinition<C, N> {
  readonly sizes: LanguageModelSizes<C>;
  /** The quantization its config says the checkpoint holds, if any. */
  quantization(config: C): { readonly group_size: number; readonly bits: number } | null;
}

/** A network from a folder of mlx-asr's layout: its config.json and the weights beside it (or `weightsFile`). */
export function loadNetworkFolder<C, N>(def: NetworkDefinition<C, N>, dir: string, options: { weightsFile?: string; quantizeBits?: 4 | 8 } = {}): N | Promise<N> {
  const configFile = join(dir, "config.json");
  const config = readConfig(configFile, def.schema);
  const files = options.weightsFile ? [join(dir, options.weightsFile)] : findWeightFiles(dir);
  return loadNetwork(def, config, { files }, { configSource: configFile, quantizeBits: options.quantizeBits });
}
