/**
 * `transcribe --memory`: what a model needs, from its configs (or, for a family
 * whose weights are not here yet, from the released configurations).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fakeTokenLength, NanoAdaptorConfigSchema } from "../../adaptor/nano-adaptor";
import { Qwen4bAdaptorConfigSchema } from "../../adaptor/qwen4b-adaptor";
import { lfrFrameCount } from "../audio/lfr";
import { readConfig } from "../config";
import { FUN_ASR_NANO_ADAPTOR, QWEN3_0_6B, QWEN3_4B, QWEN4B_ADAPTOR, SENSEVOICE_SMALL_ENCODER } from "../models/released-configs";
import { Qwen3ConfigSchema } from "../models/qwen3-decoder";
import { SenseVoiceEncoderConfigSchema } from "../models/sensevoice-encoder";
import { FAMILIES, type FamilyDefinition } from "../pipeline/families";
import { estimateMemory, formatMemoryReport, type MemoryInputs, type WeightBits } from "../pipeline/memory-report";
import { locateModelFiles } from "../pipeline/model-files";
import { modelsFolder } from "../pipeline/resolve-model";
import { modelLocation } from "./model-option";

/** LLM frames for a piece of audio of `seconds` (10 ms fbank frames, LFR 6, Nano's /8 rule). */
export function audioFramesFor(family: FamilyDefinition, seconds: number): number {
  const lfr = lfrFrameCount(1 + Math.floor((seconds * 16000 - 400) / 160), 6);
  return family.adaptor === "nano" ? fakeTokenLength(lfr) : lfr;
}

export function releasedMemoryInputs(family: FamilyDefinition, bits: WeightBits, segmentSeconds: number): MemoryInputs {
  const nano = family.adaptor === "nano";
  return {
    decoder: nano ? QWEN3_0_6B : QWEN3_4B,
    decoderBits: bits,
    encoder: SENSEVOICE_SMALL_ENCODER,
    adaptor: nano ? { kind: "nano", config: FUN_ASR_NANO_ADAPTOR } : { kind: "qwen4b", config: QWEN4B_ADAPTOR },
    segmentSeconds,
    audioFrames: audioFramesFor(family, segmentSeconds),
    promptTokens: family.audioPromptTokens,
    maxNewTokens: maxNewTokens(family, segmentSeconds),
  };
}

function maxNewTokens(family: FamilyDefinition, seconds: number): number {
  return Math.max(family.maxAudioTokens(seconds, "transcribe"), family.supportsAudioTranslation ? family.maxAudioTokens(seconds, "translate") : 0);
}

async function localMemoryInputs(ref: string, quantize: 4 | 8 | undefined, segmentSeconds: number | undefined): Promise<{ title: string; inputs: MemoryInputs }> {
  const files = locateModelFiles(await modelLocation(ref), FAMILIES[ref]?.name);
  const family = files.family;
  const seconds = segmentSeconds ?? family.segmentSeconds;
  const decoder = readConfig(files.decoder.configFile, Qwen3ConfigSchema);
  const storedBits = decoder.quantization?.bits;
  const bits: WeightBits = quantize ?? (storedBits === 4 || storedBits === 8 ? storedBits : 16);
  const encoder = files.encoder
    ? files.encoder.configFile
      ? readConfig(files.encoder.configFile, SenseVoiceEncoderConfigSchema)
      : SENSEVOICE_SMALL_ENCODER
    : null;
  let adaptor: MemoryInputs["adaptor"] = null;
  if (files.adaptor) {
    adaptor =
      family.adaptor === "nano"
        ? { kind: "nano", config: files.adaptor.configFile ? readConfig(files.adaptor.configFile, NanoAdaptorConfigSchema) : FUN_ASR_NANO_ADAPTOR }
        : { kind: "qwen4b", config: files.adaptor.configFile ? readConfig(files.adaptor.configFile, Qwen4bAdaptorConfigSchema) : QWEN4B_ADAPTOR };
  }
  return {
    title: `${files.root} (${family.name})`,
    inputs: {
      decoder,
      decoderBits: bits,
      encoder,
      adaptor,
      segmentSeconds: seconds,
      audioFrames: encoder ? audioFramesFor(family, seconds) : 0,
      promptTokens: family.audioPromptTokens,
      maxNewTokens: maxNewTokens(family, seconds),
    },
  };
}

export async function memoryReportFor(ref: string, quantize?: 4 | 8, segmentSeconds?: number): Promise<string> {
  const family = FAMILIES[ref];
  let title: string;
  let inputs: MemoryInputs;
  if (family && !existsSync(join(modelsFolder(), ref))) {
    const seconds = segmentSeconds ?? family.segmentSeconds;
    inputs = releasedMemoryInputs(family, quantize ?? 16, seconds);
    title = `${family.title} (released configuration; weights not downloaded)`;
  } else {
    ({ title, inputs } = await localMemoryInputs(ref, quantize, segmentSeconds));
  }
  const estimates = [estimateMemory(inputs, "metal"), estimateMemory({ ...inputs, decoderBits: inputs.decoderBits === 16 ? 32 : inputs.decoderBits }, "cpu")];
  return formatMemoryReport(title, inputs, estimates);
}
