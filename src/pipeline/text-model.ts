/**
 * A family's language model ready for generation: the network, its tokenizer,
 * the ids it stops on, and the family's recipe (prompts, generation defaults).
 * Text translation and `generateText` use it directly; the LLM-prompted
 * recognizer uses it with audio rows injected.
 */
import { ModelFileError } from "../errors";
import type { LlmPromptedRecipe, LocatedModel } from "../families/family";
import type { CausalLM } from "../nn/parts";
import type { ModelParts } from "./model-parts";
import { AUDIO_PLACEHOLDER_ID } from "./prompt";
import type { TextTokenizer } from "./tokenizer";

export interface TextModel {
  readonly llm: CausalLM;
  readonly tokenizer: TextTokenizer;
  readonly stopIds: ReadonlySet<number>;
  readonly recipe: LlmPromptedRecipe;
  /** The id written into audio slots. */
  readonly audioPlaceholderId: number;
  /** The model's files, named when the decoder turns out to hold corrupt weights. */
  readonly files: LocatedModel;
}

function tokenId(tokenizer: TextTokenizer, token: string, purpose: string): number {
  const id = tokenizer.idOf(token);
  if (id === undefined) throw new ModelFileError("TOKENIZER_INVALID", tokenizer.source, `has no "${token}" token, which ${purpose}`);
  return id;
}

export async function loadTextModel(parts: ModelParts, recipe: LlmPromptedRecipe): Promise<TextModel> {
  const tokenizer = parts.tokenizer();
  const name = parts.family.name;
  const stopIds = new Set(recipe.stopTokens.map((t) => tokenId(tokenizer, t, `${name} stops on`)));
  const audioPlaceholderId = recipe.audioPlaceholder ? tokenId(tokenizer, recipe.audioPlaceholder, `${name} marks audio with`) : AUDIO_PLACEHOLDER_ID;
  const llm = await parts.network<CausalLM>("decoder");
  return { llm, tokenizer, stopIds, recipe, audioPlaceholderId, files: parts.files };
}
