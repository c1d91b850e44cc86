/** Loading the benchmark's networks from the run's weights directory, through the library's own loaders. */
import { join } from "node:path";
import { QWEN4B_ADAPTOR, type Qwen4bAdaptor } from "../../adaptor/qwen4b-adaptor";
import { QWEN3_DECODER, type Qwen3Decoder } from "../../src/models/qwen3-decoder";
import { SENSEVOICE_ENCODER, type SenseVoiceEncoder } from "../../src/models/sensevoice-encoder";
import { loadNetwork, loadNetworkFolder } from "../../src/nn/network";
import { ADAPTOR_FILE, componentDir, decoderWeights, ENCODER_FILE, type BenchModels, type DecoderId, type WeightKind } from "./models";

export async function loadEncoder(weightsDir: string, models: BenchModels): Promise<SenseVoiceEncoder> {
  const file = join(componentDir(weightsDir, "sensevoice-encoder"), ENCODER_FILE);
  return await loadNetwork(SENSEVOICE_ENCODER, models.encoder, { files: [file] }, { configSource: file });
}

export async function loadAdaptor(weightsDir: string, models: BenchModels): Promise<Qwen4bAdaptor> {
  const file = join(componentDir(weightsDir, "qwen4b-adaptor"), ADAPTOR_FILE);
  return await loadNetwork(QWEN4B_ADAPTOR, models.adaptor, { files: [file] }, { configSource: file });
}

/** The decoder upcast to float32 from its bf16 checkpoint, or for int8/int4 read from its quantized copy (its config.json says how). */
export async function loadDecoder(weightsDir: string, id: DecoderId, kind: WeightKind): Promise<Qwen3Decoder> {
  return await loadNetworkFolder(QWEN3_DECODER, componentDir(weightsDir, decoderWeights(id, kind)));
}
