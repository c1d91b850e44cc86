/**
 * Random weights at the benchmark's shapes, written once per run into the
 * weights directory: the encoder and adaptors as float32 in FunASR's/OminiX's
 * released layouts, the decoders as bfloat16 HF shards like the released
 * checkpoints, and a decoder's INT8/INT4 copy quantized from its bf16 checkpoint
 * by the project's own quantizer (as `mlx-asr quantize` writes it), so a quantized
 * row loads a quantized file. A component already written (marker file present)
 * is reused. The families whose weights the transformers peer creates are written
 * by the peer (scripts/peer/hf_models.py) with the same marker.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeQuantizedModel } from "../../src/cli/quantize/write-quantized";
import { locateModelFiles } from "../../src/pipeline/model-files";
import { ModelParts } from "../../src/pipeline/model-parts";
import { nanoAdaptorTensors } from "../../adaptor/nano-adaptor";
import { qwen4bAdaptorTensors } from "../../adaptor/qwen4b-adaptor";
import { qwen3Tensors } from "../../src/models/qwen3-decoder";
import { senseVoiceEncoderTensors } from "../../src/models/sensevoice-encoder";
import { plansFor, writeCheckpoint } from "../synthetic/checkpoint";
import {
  ADAPTOR_FILE,
  BENCH_CONFIG_FILE,
  componentDir,
  ENCODER_FILE,
  NANO_ADAPTOR_FILE,
  isQuantizedCopy,
  quantizeBitsOf,
  quantizedSource,
  type BenchModels,
  type ComponentId,
  type PeerMadeComponent,
  type QuantizedDecoderId,
} from "./models";

const COMPLETE_MARKER = ".complete";
/** Shard size of the decoder checkpoints (HF releases shard at a few GB). */
const SHARD_BYTES = 2e9;

/** The components this process writes with random weights of its own. */
type RandomComponent = Exclude<ComponentId, PeerMadeComponent | QuantizedDecoderId>;

const SEEDS: Record<RandomComponent, number> = {
  "sensevoice-encoder": 11,
  "qwen4b-adaptor": 12,
  "qwen3-0.6b": 13,
  "qwen3-4b": 14,
  "nano-adaptor": 18,
};

export function isGenerated(weightsDir: string, id: ComponentId): boolean {
  return existsSync(join(componentDir(weightsDir, id), COMPLETE_MARKER));
}

export async function generateComponent(weightsDir: string, id: Exclude<ComponentId, PeerMadeComponent>, models: BenchModels): Promise<void> {
  const dir = componentDir(weightsDir, id);
  if (isQuantizedCopy(id)) {
    const { decoder, kind } = quantizedSource(id);
    if (!isGenerated(weightsDir, decoder)) throw new Error(`${id} is quantized from ${decoder}, which is not written yet`);
    const parts = new ModelParts(locateModelFiles(componentDir(weightsDir, decoder)));
    await writeQuantizedModel(parts, dir, { bits: quantizeBitsOf(kind)! });
  } else {
    await writeRandom(dir, id, models);
  }
  writeFileSync(join(dir, COMPLETE_MARKER), "");
}

async function writeRandom(dir: string, id: RandomComponent, models: BenchModels): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const seed = SEEDS[id];
  if (id === "sensevoice-encoder") {
    const plans = plansFor(senseVoiceEncoderTensors(models.encoder), models.encoder.checkpoint_key_prefix);
    await writeCheckpoint(dir, plans, { dtype: "float32", seed, fileName: ENCODER_FILE });
    writeFileSync(join(dir, BENCH_CONFIG_FILE), JSON.stringify(models.encoder, null, 2));
  } else if (id === "qwen4b-adaptor") {
    await writeCheckpoint(dir, plansFor(qwen4bAdaptorTensors(models.adaptor, "pytorch")), { dtype: "float32", seed, fileName: ADAPTOR_FILE });
    writeFileSync(join(dir, BENCH_CONFIG_FILE), JSON.stringify(models.adaptor, null, 2));
  } else if (id === "nano-adaptor") {
    const plans = plansFor(nanoAdaptorTensors(models.nanoAdaptor), models.nanoAdaptor.checkpoint_key_prefix);
    await writeCheckpoint(dir, plans, { dtype: "float32", seed, fileName: NANO_ADAPTOR_FILE });
    writeFileSync(join(dir, BENCH_CONFIG_FILE), JSON.stringify(models.nanoAdaptor, null, 2));
  } else {
    const config = models.decoders[id];
    await writeCheckpoint(dir, plansFor(qwen3Tensors(config)), { dtype: "bfloat16", seed, shardBytes: SHARD_BYTES });
    writeFileSync(join(dir, "config.json"), JSON.stringify({ ...config, architectures: ["Qwen3ForCausalLM"], torch_dtype: "bfloat16" }, null, 2));
  }
}
