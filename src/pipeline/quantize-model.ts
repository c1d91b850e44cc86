/**
 * Writing a quantized copy of a model: the decoder's matrices become MLX affine
 * codes (`weight` uint32, `scales`, `biases` in the source float dtype, group
 * size 64 — the mlx-community layout, with `quantization` in config.json); the
 * audio encoder and adaptor stay float. Tensors are converted one at a time and
 * written in shards, so a 4B model needs little more memory than one shard.
 */
import { copyFileSync, existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readJsonFile } from "../config";
import { ConfigError } from "../errors";
import { mx, type Tensor } from "../engine/mlx";
import { quantizeMatrix } from "../engine/quantize";
import { saveSafetensors } from "../engine/safetensors";
import { CheckpointIndex, loadCheckpoint } from "../engine/weights";
import { releaseMemory } from "../runtime";
import { MIN_QUANTIZED_INPUT } from "../models/qwen3-decoder";
import { FUN_ASR_NANO_ADAPTOR, QWEN4B_ADAPTOR, SENSEVOICE_SMALL_ENCODER } from "../models/released-configs";
import type { ComponentFiles, ModelFiles } from "./model-files";

export interface QuantizeOptions {
  readonly bits: 4 | 8;
  readonly groupSize?: number;
  /** Shard size of the written decoder (bytes). */
  readonly shardBytes?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

const TOKENIZER_FILES = ["tokenizer.json", "tokenizer_config.json", "vocab.json", "merges.txt", "special_tokens_map.json", "added_tokens.json", "generation_config.json"];

function isQuantizable(name: string, t: Tensor, groupSize: number): boolean {
  return name.endsWith(".weight") && t.ndim === 2 && !name.includes("norm") && t.shape[1]! >= MIN_QUANTIZED_INPUT && t.shape[1]! % groupSize === 0;
}

/** Writes the decoder of `files` quantized into `outDir` (config.json, shards + index, tokenizer files). */
export async function writeQuantizedDecoder(files: ModelFiles, outDir: string, options: QuantizeOptions): Promise<void> {
  const groupSize = options.groupSize ?? 64;
  const shardBytes = options.shardBytes ?? 2_000_000_000;
  const config = readJsonFile(files.decoder.configFile) as Record<string, unknown>;
  if (config.quantization) throw new ConfigError("CONFIG_INVALID", files.decoder.configFile, "the decoder is already quantized");
  mkdirSync(outDir, { recursive: true });
  const index = CheckpointIndex.fromFiles(files.decoder.files).withPrefix(files.decoder.prefix);
  const names = [...index.entries.keys()].filter((n) => !(config.tie_word_embeddings && n.startsWith("lm_head."))).sort();
  const raw = loadCheckpoint(CheckpointIndex.fromFiles(files.decoder.files), files.decoder.prefix);
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
    if (isQuantizable(name, t, groupSize)) {
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
    const from = join(files.tokenizerDir, file);
    if (existsSync(from)) copyFileSync(from, join(outDir, file));
  }
}

/** Copies a float component (re-saving only its tensors, without a combined file's other parts). */
async function writeFloatComponent(c: ComponentFiles, outDir: string, config: unknown): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const tensors = loadCheckpoint(CheckpointIndex.fromFiles(c.files), c.prefix);
  saveSafetensors(join(outDir, "model.safetensors"), tensors);
  writeFileSync(join(outDir, "config.json"), `${JSON.stringify(config, null, 2)}\n`);
  await releaseMemory();
}

/** Writes `files` as a model folder in our layout with the decoder quantized. */
export async function writeQuantizedModel(files: ModelFiles, outDir: string, options: QuantizeOptions): Promise<void> {
  const family = files.family;
  if (!files.encoder || !files.adaptor) {
    await writeQuantizedDecoder(files, outDir, options);
    return;
  }
  mkdirSync(outDir, { recursive: true });
  const frontendDir = join(outDir, "frontend");
  mkdirSync(frontendDir, { recursive: true });
  if (files.frontendDir) {
    for (const f of ["config.json", "am.mvn"]) if (existsSync(join(files.frontendDir, f))) copyFileSync(join(files.frontendDir, f), join(frontendDir, f));
  } else {
    writeFileSync(join(frontendDir, "config.json"), `${JSON.stringify({ frontend: "WavFrontend", mode: family.frontendMode, frontend_conf: { cmvn_file: null } }, null, 2)}\n`);
  }
  // A component's own config keeps its key prefix (the tensors keep their names); released
  // files are re-saved without their prefix.
  const encoderConfig = files.encoder.configFile
    ? readJsonFile(files.encoder.configFile)
    : { ...SENSEVOICE_SMALL_ENCODER, checkpoint_key_prefix: "", input_scale: family.encoderInputScale };
  await writeFloatComponent(files.encoder, join(outDir, "encoder"), encoderConfig);
  const adaptorName = family.adaptor === "nano" ? "nano_adaptor" : "adaptor";
  const adaptorConfig = files.adaptor.configFile
    ? readJsonFile(files.adaptor.configFile)
    : family.adaptor === "nano"
      ? { ...FUN_ASR_NANO_ADAPTOR, checkpoint_key_prefix: "" }
      : QWEN4B_ADAPTOR;
  await writeFloatComponent(files.adaptor, join(outDir, adaptorName), adaptorConfig);
  await writeQuantizedDecoder(files, join(outDir, "decoder"), options);
  writeFileSync(join(outDir, "family.json"), `${JSON.stringify({ format: "mlx-asr", family: family.name }, null, 2)}\n`);
}
