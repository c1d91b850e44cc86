/**
 * The parts of each end-to-end row, loaded from the run's weights: a front end,
 * an audio encoder, an adaptor and a causal language model — the contracts of
 * src/nn/parts.ts, so one timing loop serves every LLM-prompted family. The
 * FunASR families are assembled from the bench's own component files (and write
 * the check files their peers compare with); the families whose weights the
 * transformers peer writes are model folders, located and loaded by the
 * library's own loader as `transcribe` would load a downloaded release.
 */
import { join } from "node:path";
import { NANO_ADAPTOR, type NanoAdaptor } from "../../adaptor/nano-adaptor";
import type { FeatureExtractor } from "../../src/audio/features/feature-extractor";
import { AudioFrontend } from "../../src/audio/features/funasr-frontend";
import { loadNetwork } from "../../src/nn/network";
import type { AudioAdaptor, AudioEncoder, CausalLM } from "../../src/nn/parts";
import { locateModelFiles } from "../../src/pipeline/model-files";
import { ModelParts } from "../../src/pipeline/model-parts";
import { benchFrontend } from "./audio";
import { writeDecoderCheck, writeEncoderCheck, writeNanoCheck } from "./cross-check";
import { loadAdaptor, loadDecoder, loadEncoder } from "./load";
import { benchModels, componentDir, FAMILY_OF, NANO_ADAPTOR_FILE, type EndToEndId, type PeerMadeComponent } from "./models";
import type { RunSettings } from "./tasks";

export interface AudioPipeline {
  readonly features: FeatureExtractor;
  readonly encoder: AudioEncoder;
  readonly adaptor: AudioAdaptor;
  readonly decoder: CausalLM;
}

/** FunASR-Qwen4B: OminiX front end, SenseVoice (no √D scaling), Qwen4B adaptor, Qwen3-4B. */
async function funasrQwen4b(settings: RunSettings): Promise<AudioPipeline> {
  const models = benchModels(settings.small);
  const encoder = await loadEncoder(settings.weightsDir, models);
  const adaptor = await loadAdaptor(settings.weightsDir, models);
  writeEncoderCheck(settings.checkDir, encoder, adaptor);
  const decoder = await loadDecoder(settings.weightsDir, "qwen3-4b", "float32");
  writeDecoderCheck(settings.checkDir, "qwen3-4b", decoder);
  return { features: benchFrontend("ominix"), encoder, adaptor, decoder };
}

/** Fun-ASR-Nano: FunASR front end without CMVN, SenseVoice (√D scaling), Nano adaptor (first ⌈L/8⌉ frames), Qwen3-0.6B. */
async function funAsrNano(settings: RunSettings): Promise<AudioPipeline> {
  const models = benchModels(settings.small);
  const encoder = await loadEncoder(settings.weightsDir, { ...models, encoder: { ...models.encoder, input_scale: "sqrt_output_size" } });
  const adaptorFile = join(componentDir(settings.weightsDir, "nano-adaptor"), NANO_ADAPTOR_FILE);
  const adaptor = (await loadNetwork(NANO_ADAPTOR, models.nanoAdaptor, { files: [adaptorFile] }, { configSource: adaptorFile })) as NanoAdaptor;
  writeNanoCheck(settings.checkDir, encoder, adaptor);
  const decoder = await loadDecoder(settings.weightsDir, "qwen3-0.6b", "float32");
  writeDecoderCheck(settings.checkDir, "qwen3-0.6b", decoder);
  return { features: AudioFrontend.defaults("funasr"), encoder, adaptor, decoder };
}

/** A model folder written by the transformers peer (`save_pretrained`), through the family's release layout and the one loader. */
function fromModelFolder(id: PeerMadeComponent): (settings: RunSettings) => Promise<AudioPipeline> {
  return async (settings) => {
    const dir = componentDir(settings.weightsDir, id);
    const files = locateModelFiles(dir);
    if (files.family.name !== FAMILY_OF[id]) throw new Error(`${dir} was read as a ${files.family.name} model, not ${FAMILY_OF[id]}`);
    if (files.family.recipe.kind !== "llm-prompted") throw new Error(`${files.family.name} is not prompted with audio rows`);
    const parts = new ModelParts(files);
    return {
      features: parts.features(),
      encoder: await parts.network<AudioEncoder>("encoder"),
      adaptor: await parts.network<AudioAdaptor>("adaptor"),
      decoder: await parts.network<CausalLM>("decoder"),
    };
  };
}

const LOADERS: Readonly<Record<EndToEndId, (settings: RunSettings) => Promise<AudioPipeline>>> = {
  "funasr-qwen4b": funasrQwen4b,
  "fun-asr-nano": funAsrNano,
  "qwen3-asr-0.6b": fromModelFolder("qwen3-asr-0.6b"),
  "qwen3-asr-1.7b": fromModelFolder("qwen3-asr-1.7b"),
  "glm-asr-nano": fromModelFolder("glm-asr-nano"),
};

export function loadPipeline(id: EndToEndId, settings: RunSettings): Promise<AudioPipeline> {
  return LOADERS[id](settings);
}
