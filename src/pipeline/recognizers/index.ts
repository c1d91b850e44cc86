/** Building a family's recognizer from its recipe: one entry per kind of recipe. */
import type { RecognizerRecipe } from "../../families/family";
import type { ModelParts } from "../model-parts";
import { loadTextModel, type TextModel } from "../text-model";
import { CifRecognizer } from "./cif";
import { LlmPromptedRecognizer } from "./llm-prompted";
import type { Recognizer } from "./recognizer";

export interface LoadedRecognition {
  /** Null when the folder holds no audio parts (a bare language model). */
  readonly recognizer: Recognizer | null;
  /** The language model for text jobs; null for families without one. */
  readonly text: TextModel | null;
}

type RecipeLoader<R extends RecognizerRecipe> = (parts: ModelParts, recipe: R) => Promise<LoadedRecognition>;

const LOADERS: { readonly [K in RecognizerRecipe["kind"]]: RecipeLoader<Extract<RecognizerRecipe, { kind: K }>> } = {
  "llm-prompted": async (parts, recipe) => {
    const text = await loadTextModel(parts, recipe);
    const recognizer = parts.has("encoder") ? await LlmPromptedRecognizer.load(parts, text, recipe) : null;
    return { recognizer, text };
  },
  cif: async (parts, recipe) => ({ recognizer: parts.has("encoder") ? await CifRecognizer.load(parts, recipe) : null, text: null }),
};

export function loadRecognition(parts: ModelParts): Promise<LoadedRecognition> {
  const recipe = parts.family.recipe;
  return (LOADERS[recipe.kind] as RecipeLoader<RecognizerRecipe>)(parts, recipe);
}

export type { RecognitionRequest, RecognizedPiece, Recognizer } from "./recognizer";
