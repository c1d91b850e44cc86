/**
 * The pipeline as named stages for `inspect`, each turning the previous stage's
 * output into its own: waveform → (the extractor's intermediate, e.g. fbank) →
 * features → the stages of the family's recipe. Built from a model's parts, so
 * every family gets the same command.
 */
import { loadAudio } from "../../audio/load";
import { mx } from "../../engine/mlx";
import type { FamilyDefinition, InspectAlias, RecognizerRecipe } from "../../families/family";
import type { ModelParts } from "../../pipeline/model-parts";
import { cifStages } from "./cif-stages";
import { llmPromptedStages } from "./llm-prompted-stages";
import { expectTensors, fromItems, items, type StageValue } from "./stage-value";

export interface StageOptions {
  readonly promptFile?: string;
  readonly steps: number;
}

export interface StageDefinition {
  readonly name: string;
  /** The stage whose output this one consumes (null: audio files). */
  readonly previous: string | null;
  /** Name of the main tensor in the stage's output file. */
  readonly tensor: string;
  /** Axes of one item of its output (`[S]`: 1, `[T, D]`: 2), to tell a stored batch from a single item. */
  readonly itemRank: number;
  /** Reads this stage's `--input` file, when it holds more than the previous stage's main tensor. */
  readInput?(file: string): StageValue;
  run(input: StageValue): Promise<StageValue>;
}

export type RecipeStages = (parts: ModelParts, options: StageOptions, alias: InspectAlias | null) => StageDefinition[];

const RECIPE_STAGES: { readonly [K in RecognizerRecipe["kind"]]: RecipeStages } = {
  "llm-prompted": llmPromptedStages,
  cif: cifStages,
};

/** The stage names every family has before its recipe's (for help texts and argument checks). */
export const COMMON_STAGES = ["waveform", "features"] as const;

/** A stage name some family keeps for earlier command lines, and that family. */
export function findAlias(stage: string, families: readonly FamilyDefinition[]): { family: FamilyDefinition; alias: InspectAlias } | null {
  for (const family of families) {
    const alias = family.inspectAliases?.[stage];
    if (alias) return { family, alias };
  }
  return null;
}

function audioStages(parts: ModelParts): StageDefinition[] {
  const features = parts.features();
  const intermediate = features.intermediate;
  const waveform: StageDefinition = {
    name: "waveform",
    previous: null,
    tensor: "waveform",
    itemRank: 1,
    async run(input) {
      if (input.kind !== "audio") throw new Error("waveform stage reads audio files");
      return fromItems("waveform", input.files.map((file) => loadAudio(file).samples), input.files.length > 1, input.files);
    },
  };
  const stages = [waveform];
  if (intermediate) {
    stages.push({
      name: intermediate.name,
      previous: "waveform",
      tensor: intermediate.name,
      itemRank: 2,
      async run(input) {
        const value = expectTensors(input);
        const out = items(value).map((wave, i) => intermediate.compute(wave, value.sources[i] ?? value.sources[0]));
        mx.eval(...out);
        return fromItems(intermediate.name, out, value.lengths !== null, value.sources);
      },
    });
  }
  stages.push({
    name: "features",
    previous: intermediate ? intermediate.name : "waveform",
    tensor: "features",
    itemRank: 2,
    async run(input) {
      const value = expectTensors(input);
      const list = items(value);
      if (intermediate) {
        const out = list.map((x) => intermediate.finish(x));
        mx.eval(...out);
        return fromItems("features", out, value.lengths !== null, value.sources);
      }
      const batch = features.extract(list, value.sources);
      // A lone member keeps its length when the extractor pads it (GLM-ASR's 30 s windows): a batch of one.
      const padded = batch.lengths[0] !== batch.features.shape[1];
      if (value.lengths === null && !padded) return { kind: "tensors", stage: "features", data: batch.features.index(0), batchAxis: false, lengths: null, extra: {}, sources: value.sources };
      return { kind: "tensors", stage: "features", data: batch.features, batchAxis: false, lengths: [...batch.lengths], extra: {}, sources: value.sources };
    },
  });
  return stages;
}

/** Every stage of the model, in order; `alias` renames the outputs of a stage kept under an older name. */
export function modelStages(parts: ModelParts, options: StageOptions, alias: InspectAlias | null): StageDefinition[] {
  const recipe = parts.family.recipe;
  return [...audioStages(parts), ...RECIPE_STAGES[recipe.kind](parts, options, alias)];
}

/** The stages to run, in order, to get from `from`'s output (null: audio) to `target`. */
export function stagePath(stages: readonly StageDefinition[], from: string | null, target: string): StageDefinition[] {
  const byName = new Map(stages.map((s) => [s.name, s]));
  const path: StageDefinition[] = [];
  let stage: string | null = target;
  while (stage !== from) {
    if (stage === null) throw new Error(`no path from ${from} to ${target}`);
    const definition: StageDefinition = byName.get(stage)!;
    path.unshift(definition);
    stage = definition.previous;
  }
  return path;
}
