/**
 * A model in memory: its located files, its parts, the recognizer its family's
 * recipe builds from them, and the language model for text jobs.
 */
import type { FamilyDefinition } from "../families/family";
import type { LocatedModel } from "./model-files";
import { ModelParts, type ModelLoadOptions } from "./model-parts";
import { loadRecognition, type Recognizer } from "./recognizers";
import type { TextModel } from "./text-model";

export type { ModelLoadOptions } from "./model-parts";

export interface LoadedModel {
  readonly files: LocatedModel;
  readonly family: FamilyDefinition;
  readonly parts: ModelParts;
  /** Null for text-only models. */
  readonly recognizer: Recognizer | null;
  /** Null for families without a language model. */
  readonly text: TextModel | null;
}

export async function loadModel(files: LocatedModel, options: ModelLoadOptions = {}): Promise<LoadedModel> {
  const parts = new ModelParts(files, options);
  const { recognizer, text } = await loadRecognition(parts);
  return { files, family: files.family, parts, recognizer, text };
}
