/** Loading the benchmark's networks from the run's weights directory, through the library's own loaders. */
import { join } from "node:path";
import { Qwen4bAdaptor } from "../../adaptor/qwen4b-adaptor";
import { CheckpointIndex } from "../../src/engine/weights";
import { Qwen3Decoder } from "../../src/models/qwen3-decoder";
import { SenseVoiceEncoder } from "../../src/models/sensevoice-encoder";
import { ADAPTOR_FILE, componentDir, ENCODER_FILE, quantizeBitsOf, type BenchModels, type DecoderId, type WeightKind } from "./models";

export function loadEncoder(weightsDir: string, models: BenchModels): SenseVoiceEncoder {
  const file = join(componentDir(weightsDir, "sensevoice-encoder"), ENCODER_FILE);
  return SenseVoiceEncoder.fromCheckpoint(models.encoder, CheckpointIndex.fromFiles([file]));
}

export function loadAdaptor(weightsDir: string, models: BenchModels): Qwen4bAdaptor {
  const file = join(componentDir(weightsDir, "qwen4b-adaptor"), ADAPTOR_FILE);
  return Qwen4bAdaptor.fromCheckpoint(models.adaptor, CheckpointIndex.fromFiles([file]));
}

/** The decoder from its bf16 checkpoint: upcast to float32, or quantized at load for int8/int4. */
export function loadDecoder(weightsDir: string, id: DecoderId, kind: WeightKind): Promise<Qwen3Decoder> {
  const bits = quantizeBitsOf(kind);
  return Qwen3Decoder.load(componentDir(weightsDir, id), bits ? { quantizeBits: bits } : {});
}
