/**
 * Loading a located model into memory: front end, encoder, adaptor, decoder and
 * tokenizer, configured by the family (for released layouts without configs of
 * ours) or by the components' own config.json files.
 */
import { NanoAdaptor, NanoAdaptorConfigSchema } from "../../adaptor/nano-adaptor";
import { Qwen4bAdaptor, Qwen4bAdaptorConfigSchema } from "../../adaptor/qwen4b-adaptor";
import { AudioFrontend, FrontendConfigSchema, frontendSettings } from "../audio/frontend";
import { readConfig } from "../config";
import { ModelFileError } from "../errors";
import { CheckpointIndex } from "../engine/weights";
import { FUN_ASR_NANO_ADAPTOR, QWEN4B_ADAPTOR, SENSEVOICE_SMALL_ENCODER } from "../models/released-configs";
import { Qwen3ConfigSchema, Qwen3Decoder } from "../models/qwen3-decoder";
import { SenseVoiceEncoder, SenseVoiceEncoderConfigSchema } from "../models/sensevoice-encoder";
import { inferNanoAdaptorConfig, inferQwen4bAdaptorConfig, inferSenseVoiceConfig } from "../models/inferred-configs";
import type { FamilyDefinition } from "./families";
import type { ComponentFiles, ModelFiles } from "./model-files";
import { TextTokenizer } from "./tokenizer";

export type AudioAdaptor = { kind: "qwen4b"; net: Qwen4bAdaptor } | { kind: "nano"; net: NanoAdaptor };

export interface AudioStack {
  readonly frontend: AudioFrontend;
  readonly encoder: SenseVoiceEncoder;
  readonly adaptor: AudioAdaptor;
}

export interface LoadedModel {
  readonly files: ModelFiles;
  readonly family: FamilyDefinition;
  /** Null for text-only models. */
  readonly audio: AudioStack | null;
  readonly decoder: Qwen3Decoder;
  readonly tokenizer: TextTokenizer;
  readonly stopIds: ReadonlySet<number>;
}

export interface ModelLoadOptions {
  /** Quantize a float decoder while loading. */
  readonly quantizeBits?: 4 | 8;
}

function frontendFor(files: ModelFiles): AudioFrontend {
  if (files.frontendDir) return AudioFrontend.load(files.frontendDir);
  const settings = frontendSettings(FrontendConfigSchema.parse({ mode: files.family.frontendMode, frontend_conf: {} }), null);
  return new AudioFrontend(settings);
}

/** Released files carry no config of ours: widths and depths come from the tensor shapes. */
function encoderFor(family: FamilyDefinition, c: ComponentFiles): SenseVoiceEncoder {
  const index = CheckpointIndex.fromFiles(c.files);
  const config = c.configFile
    ? readConfig(c.configFile, SenseVoiceEncoderConfigSchema)
    : inferSenseVoiceConfig(index.withPrefix(c.prefix), { ...SENSEVOICE_SMALL_ENCODER, checkpoint_key_prefix: c.prefix, input_scale: family.encoderInputScale });
  return SenseVoiceEncoder.fromCheckpoint(config, index);
}

function adaptorFor(family: FamilyDefinition, c: ComponentFiles): AudioAdaptor {
  const index = CheckpointIndex.fromFiles(c.files);
  if (family.adaptor === "qwen4b") {
    const scoped = index.withPrefix(c.prefix);
    const config = c.configFile ? readConfig(c.configFile, Qwen4bAdaptorConfigSchema) : inferQwen4bAdaptorConfig(scoped, QWEN4B_ADAPTOR);
    return { kind: "qwen4b", net: Qwen4bAdaptor.fromCheckpoint(config, scoped) };
  }
  const prefix = c.prefix || FUN_ASR_NANO_ADAPTOR.checkpoint_key_prefix;
  const config = c.configFile
    ? readConfig(c.configFile, NanoAdaptorConfigSchema)
    : inferNanoAdaptorConfig(index.withPrefix(prefix), { ...FUN_ASR_NANO_ADAPTOR, checkpoint_key_prefix: prefix });
  return { kind: "nano", net: NanoAdaptor.fromCheckpoint(config, index) };
}

export async function loadModel(files: ModelFiles, options: ModelLoadOptions = {}): Promise<LoadedModel> {
  const { family } = files;
  const tokenizer = TextTokenizer.load(files.tokenizerDir);
  const stopIds = new Set<number>();
  for (const token of family.stopTokens) {
    const id = tokenizer.idOf(token);
    if (id === undefined) throw new ModelFileError("TOKENIZER_INVALID", tokenizer.source, `has no "${token}" token, which ${family.name} stops on`);
    stopIds.add(id);
  }
  let audio: AudioStack | null = null;
  if (files.encoder && files.adaptor) {
    audio = { frontend: frontendFor(files), encoder: encoderFor(family, files.encoder), adaptor: adaptorFor(family, files.adaptor) };
  }
  const decoderConfig = readConfig(files.decoder.configFile, Qwen3ConfigSchema);
  const decoder = await Qwen3Decoder.fromCheckpoint(decoderConfig, CheckpointIndex.fromFiles(files.decoder.files), files.decoder.configFile, {
    prefix: files.decoder.prefix,
    quantizeBits: options.quantizeBits,
  });
  if (audio) {
    const width = audio.adaptor.net.outputDim;
    if (width !== decoder.hiddenSize) {
      throw new ModelFileError("MODEL_MISMATCH", files.root, `the adaptor outputs ${width}-wide frames but the decoder is ${decoder.hiddenSize} wide`);
    }
  }
  return { files, family, audio, decoder, tokenizer, stopIds };
}
