/**
 * `transcribe --memory`: what a model needs, from its configs (or, for a family
 * whose weights are not here yet, from the released configurations).
 */
import type { FeatureExtractor } from "../../audio/features/feature-extractor";
import type { FamilyDefinition, NetworkComponent, RecognizerRecipe } from "../../families/family";
import type { LanguageModelDefinition } from "../../nn/network";
import type { CausalLM } from "../../nn/parts";
import { ModelParts } from "../../pipeline/model-parts";
import { parseFamilyReference } from "../../pipeline/family-variants";
import { findFamilyFolder } from "../../pipeline/resolve-model";
import { cliResolveModel } from "../model-option";
import { estimateMemory, formatMemoryReport, type AudioNetworkMemory, type MemoryInputs, type WeightBits } from "./estimate";

const SAMPLE_RATE = 16000;

interface TextBudget {
  readonly promptTokens: number;
  readonly maxNewTokens: number;
}

/** The text a recipe's language model holds in its KV cache for a piece of `seconds`; one entry per kind of recipe. */
const TEXT_BUDGETS: { readonly [K in RecognizerRecipe["kind"]]: (family: FamilyDefinition, recipe: Extract<RecognizerRecipe, { kind: K }>, seconds: number) => TextBudget } = {
  "llm-prompted": (family, { prompts, generation }, seconds) => ({
    promptTokens: prompts.audioPromptTokens,
    maxNewTokens: Math.max(generation.maxAudioTokens(seconds, "transcribe"), family.supportsAudioTranslation ? generation.maxAudioTokens(seconds, "translate") : 0),
  }),
  cif: () => ({ promptTokens: 0, maxNewTokens: 0 }),
};

function textBudget(family: FamilyDefinition, seconds: number): TextBudget {
  const recipe = family.recipe;
  return (TEXT_BUDGETS[recipe.kind] as (f: FamilyDefinition, r: RecognizerRecipe, s: number) => TextBudget)(family, recipe, seconds);
}

/** The inputs for a family's networks configured by `configOf` (null: the part is absent). */
function memoryInputs(family: FamilyDefinition, features: FeatureExtractor | null, configOf: (c: NetworkComponent) => unknown | null, bits: WeightBits, seconds: number): MemoryInputs {
  let frames = features ? features.frameCount(Math.round(seconds * SAMPLE_RATE)) : 0;
  const audio: AudioNetworkMemory[] = [];
  let decoder: MemoryInputs["decoder"] = null;
  for (const component of family.components) {
    const config = configOf(component);
    if (config === null) continue;
    if (component.role === "decoder") {
      decoder = { sizes: (component.network as LanguageModelDefinition<unknown, CausalLM>).sizes, config };
      continue;
    }
    const network = component.network;
    audio.push({ role: component.role, parameters: network.parameters(config), peakBytes: network.peakActivationBytes?.(config, frames) ?? 0 });
    frames = network.outputFrames?.(config, frames) ?? frames;
  }
  const hasAudio = audio.length > 0;
  return {
    audio,
    decoder,
    decoderBits: bits,
    segmentSeconds: seconds,
    audioFrames: hasAudio ? frames : 0,
    ...textBudget(family, seconds),
  };
}

export function releasedMemoryInputs(family: FamilyDefinition, bits: WeightBits, segmentSeconds: number): MemoryInputs {
  return memoryInputs(family, family.features.load(null), (c) => c.released, bits, segmentSeconds);
}

async function localMemoryInputs(ref: string, quantize: 4 | 8 | undefined, segmentSeconds: number | undefined): Promise<{ title: string; inputs: MemoryInputs }> {
  const parts = new ModelParts(await cliResolveModel(ref));
  const family = parts.family;
  const seconds = segmentSeconds ?? family.segmentSeconds;
  const decoder = family.components.find((c) => c.role === "decoder");
  const stored = decoder && parts.has("decoder") ? (decoder.network as LanguageModelDefinition<unknown, CausalLM>).quantization(parts.config("decoder"))?.bits : undefined;
  const bits: WeightBits = quantize ?? (stored === 4 || stored === 8 ? stored : 16);
  const features = parts.has("encoder") ? parts.features() : null;
  return {
    title: `${parts.files.root} (${family.name})`,
    inputs: memoryInputs(family, features, (c) => (parts.has(c.role) ? parts.config(c.role) : null), bits, seconds),
  };
}

export async function memoryReportFor(ref: string, quantize?: 4 | 8, segmentSeconds?: number): Promise<string> {
  const named = parseFamilyReference(ref);
  let title: string;
  let inputs: MemoryInputs;
  if (named && findFamilyFolder(named) === null) {
    const family = named.family;
    inputs = releasedMemoryInputs(family, quantize ?? 16, segmentSeconds ?? family.segmentSeconds);
    title = `${family.title} (released configuration; weights not downloaded)`;
  } else {
    ({ title, inputs } = await localMemoryInputs(ref, quantize, segmentSeconds));
  }
  const estimates = [estimateMemory(inputs, "metal"), estimateMemory({ ...inputs, decoderBits: inputs.decoderBits === 16 ? 32 : inputs.decoderBits }, "cpu")];
  return formatMemoryReport(title, inputs, estimates);
}
