/**
 * A family defined outside src/: Fun-ASR-Nano's networks with a prompt and stop
 * token of its own, registered through the public API. Loaded in-process by
 * importing it, and in the CLI and the server's worker through MLX_ASR_PLUGINS.
 */
import { AUDIO, registerFamily, template, type FamilyDefinition, type LlmPromptedRecipe } from "../../src/index";
import { FUN_ASR_NANO } from "../../src/families/fun-asr-nano";

const nanoRecipe = FUN_ASR_NANO.recipe as LlmPromptedRecipe;

export const ECHO_FAMILY: FamilyDefinition = {
  ...FUN_ASR_NANO,
  name: "echo-nano",
  title: "Echo (Fun-ASR-Nano networks, a prompt of its own)",
  languages: { labels: { en: "English" }, detects: false },
  supportsHotwords: false,
  releases: [],
  hub: [],
  inspectAliases: {},
  recipe: {
    ...nanoRecipe,
    prompts: {
      ...nanoRecipe.prompts,
      audio: () => [template("<|im_start|>user\nRepeat what you hear:"), AUDIO, template("<|im_end|>\n<|im_start|>assistant\n")],
      audioPromptTokens: 13,
    },
    stopTokens: ["<|endoftext|>"],
  },
};

registerFamily(ECHO_FAMILY);
