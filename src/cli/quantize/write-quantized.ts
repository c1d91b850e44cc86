/**
 * Writing a quantized copy of a model: the language model's matrices become MLX
 * affine codes (`weight` uint32, `scales`, `biases` in the source float dtype,
 * group size 64 — the mlx-community layout, with `quantization` in config.json);
 * the audio networks stay float, re-saved under their canonical names. Tensors are
 * converted one at a time and written in shards, so a 4B model needs little more
 * memory than one shard.
 */
import { copyFileSync, existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readJsonFile } from "../../config";
import { ConfigError, UsageError } from "../../errors";
import { canonicalTensors } from "../../engine/key-layout";
import { mx, type Tensor } from "../../engine/mlx";
import { quantizeMatrix } from "../../engine/quantize";
import { saveSafetensors } from "../../engine/safetensors";
import { CheckpointIndex, loadCheckpoint } from "../../engine/weights";
import type { ComponentRole } from "../../families/family";
import { isQuantizableWidth } from "../../nn/swiglu-decoder";
import { networkIndex } from "../../nn/network";
import type { ModelParts } from "../../pipeline/model-parts";
import { releaseMemory } from "../../runtime";

export interface QuantizeOptions {
  readonly bits: 4 | 8;
  readonly groupSize?: number;
  /** Shard size of the written decoder (bytes). */
  readonly shardBytes?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

const TOKENIZER_FILES = ["tokenizer.json", "tokenizer_config.json", "vocab.json", "merges.txt", "special_tokens_map.json", "added_tokens.json", "generation_config.json"];

/** A matrix of the language model that quantization covers: a 2-D weight other than a norm's. */
function isQuantizedMatrix(name: string, t: Tensor): boolean {
  return name.endsWith(".weight") && t.ndim === 2 && !name.includes("norm");
}

/** The decoder's config.json as the source has it (the release's own fields kept), with `quantization` added. */
function decoderConfigJson(parts: ModelParts): Record<string, unknown> {
  const located = parts.files.decoder!;
  if (located.configFile) return readJsonFile(located.configFile) as Record<string, unknown>;
  return (located.config ?? parts.config("decoder")) as Record<string, unknown>;
}

/** Writes the decoder of `parts` quantized into `outDir` (config.json, shards + index, tokenizer files). */
export async function writeQuantizedDecoder(parts: ModelParts, outDir: string, options: QuantizeOptions): Promise<void> {
  const groupSize = options.groupSize ?? 64;
  const shardBytes = options.shardBytes ?? 2_000_000_000;
  const located = parts.files.decoder!;
  const config = decoderConfigJson(parts);
  const source = located.configFile ?? located.dir;
  if (config.quantization) throw new ConfigError("CONFIG_INVALID", source, "the decoder is already quantized");
  const network = parts.component("decoder").network;
  const { index, layout, prefix } = networkIndex(network, { files: located.files, prefix: located.prefix }, parts.config("decoder"));
  const tied = config.tie_word_embeddings === true || (config.tie_word_embeddings === undefined && !index.has("lm_head.weight"));
  const names = [...index.entries.keys()].filter((n) => !(tied && n.startsWith("lm_head."))).sort();
  for (const name of names) {
    const shape = index.entries.get(name)!.shape;
    if (name.endsWith(".weight") && shape.length === 2 && !name.includes("norm") && !isQuantizableWidth(shape[1]!, groupSize)) {
      throw new UsageError(
        "NOT_QUANTIZABLE",
        `${source}: ${name}`,
        `has ${shape[1]} input features; ${options.bits}-bit quantization needs at least 512 and a multiple of the group size ${groupSize}, so this decoder cannot be quantized`,
      );
    }
  }
  mkdirSync(outDir, { recursive: true });
  const raw = canonicalTensors(loadCheckpoint(CheckpointIndex.fromFiles([...located.files]), prefix), layout);
  const shards: Record<string, Tensor>[] = [{}];
  let bytes = 0;
  const weightMap: Record<string, string> = {};
  const flush = async (final: boolean) => {
    if (!final && bytes < shardBytes) return;
    const shard = shards[shards.length - 1]!;
    if (Object.keys(shard).length === 0) return;
    mx.eval(...Object.values(shard));
    const name = `model-${String(shards.length).padStart(5, "0")}.safetensors`;
    saveSafetensors(join(outDir, name), shard, { format: "mlx" });
    for (const key of Object.keys(shard)) weightMap[key] = name;
    shards.push({});
    bytes = 0;
    await releaseMemory();
  };
  let done = 0;
  for (const name of names) {
    const t = raw[name]!;
    delete raw[name];
    const shard = shards[shards.length - 1]!;
    if (isQuantizedMatrix(name, t)) {
      const [wq, scales, biases] = quantizeMatrix(t, { groupSize, bits: options.bits }, t.dtype);
      const path = name.slice(0, -".weight".length);
      shard[`${path}.weight`] = wq;
      shard[`${path}.scales`] = scales;
      shard[`${path}.biases`] = biases;
      bytes += (t.size * options.bits) / 8 + (2 * t.size * t.itemsize) / groupSize;
    } else {
      shard[name] = t;
      bytes += t.nbytes ?? t.size * t.itemsize;
    }
    options.onProgress?.(++done, names.length);
    await flush(false);
  }
  await flush(true);
  // Rename shards to HF's model-0000i-of-0000n scheme once n is known.
  const written = [...new Set(Object.values(weightMap))].sort();
  const renamed = new Map(written.map((f, i) => [f, written.length === 1 ? "model.safetensors" : `model-${String(i + 1).padStart(5, "0")}-of-${String(written.length).padStart(5, "0")}.safetensors`]));
  for (const [from, to] of renamed) renameSync(join(outDir, from), join(outDir, to));
  if (written.length > 1) {
    const map = Object.fromEntries(Object.entries(weightMap).map(([k, f]) => [k, renamed.get(f)!]));
    writeFileSync(join(outDir, "model.safetensors.index.json"), `${JSON.stringify({ metadata: {}, weight_map: map }, null, 2)}\n`);
  }
  const quantization = { group_size: groupSize, bits: options.bits, mode: "affine" };
  writeFileSync(join(outDir, "config.json"), `${JSON.stringify({ ...config, quantization, quantization_config: quantization }, null, 2)}\n`);
  for (const file of TOKENIZER_FILES) {
    const from = join(parts.files.tokenizerDir, file);
    if (existsSync(from)) copyFileSync(from, join(outDir, file));
  }
}

/**
 * Re-saves a float network as mlx-asr's layout stores it: canonical names under the
 * prefix its configuration declares, with the configuration it was loaded with.
 */
async function writeFloatComponent(parts: ModelParts, role: ComponentRole, outDir: string): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const located = parts.files[role]!;
  const config = parts.config(role);
  const network = parts.component(role).network;
  const { layout, prefix, index } = networkIndex(network, { files: located.files, prefix: located.prefix }, config);
  const canonical = canonicalTensors(loadCheckpoint(CheckpointIndex.fromFiles([...located.files]), prefix), layout);
  const stored = network.prefixes?.(config)[0] ?? "";
  const tensors: Record<string, Tensor> = {};
  for (const [name, tensor] of Object.entries(canonical)) if (index.has(name)) tensors[stored + name] = tensor;
  saveSafetensors(join(outDir, "model.safetensors"), tensors);
  writeFileSync(join(outDir, "config.json"), `${JSON.stringify(config, null, 2)}\n`);
  await releaseMemory();
}

/** Writes a model as a folder in mlx-asr's layout with its language model quantized. */
export async function writeQuantizedModel(parts: ModelParts, outDir: string, options: QuantizeOptions): Promise<void> {
  const family = parts.family;
  if (!parts.has("encoder")) {
    await writeQuantizedDecoder(parts, outDir, options);
    return;
  }
  mkdirSync(outDir, { recursive: true });
  const frontendDir = join(outDir, family.features.folder);
  mkdirSync(frontendDir, { recursive: true });
  const sourceFrontend = parts.files.frontendDir;
  if (sourceFrontend) {
    for (const f of ["config.json", "am.mvn", "preprocessor_config.json"]) if (existsSync(join(sourceFrontend, f))) copyFileSync(join(sourceFrontend, f), join(frontendDir, f));
  } else {
    writeFileSync(join(frontendDir, "config.json"), `${JSON.stringify(family.features.defaultConfig, null, 2)}\n`);
  }
  for (const component of family.components) {
    if (!parts.has(component.role)) continue;
    if (component.role === "decoder") await writeQuantizedDecoder(parts, join(outDir, component.folder), options);
    else await writeFloatComponent(parts, component.role, join(outDir, component.folder));
  }
  writeFileSync(join(outDir, "family.json"), `${JSON.stringify({ format: "mlx-asr", family: family.name }, null, 2)}\n`);
}
