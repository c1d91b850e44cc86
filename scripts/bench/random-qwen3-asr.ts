/**
 * Qwen3-ASR's recognizer at a release's real shapes with random weights made in
 * memory (no files; float32 on the CPU): the family's own front end, networks,
 * recipe and tokenizer (the real Qwen3 tokenizer with the family's audio tokens),
 * as the live benchmark runs it. `small` cuts the encoder and the text model to
 * one layer (widths and vocabulary kept, so the real tokenizer's ids still fit).
 * Random weights mostly stop after a token or two; `noStop` takes the stop tokens
 * away, so every pass generates its limit (the worst case of decoding).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { QWEN3_ASR_0_6B_PROJECTOR, QWEN3_ASR_1_7B_PROJECTOR, QWEN3_ASR_PROJECTOR, qwen3AsrProjectorTensors } from "../../adaptor/qwen3-asr-projector";
import type { LanguageModelComponent, LlmPromptedRecipe, LocatedModel } from "../../src/families/family";
import { QWEN3_ASR, QWEN3_ASR_0_6B_TEXT, QWEN3_ASR_1_7B_TEXT } from "../../src/families/qwen3-asr";
import { AUT_ENCODER, autEncoderTensors, QWEN3_ASR_0_6B_AUDIO, QWEN3_ASR_1_7B_AUDIO } from "../../src/models/aut-encoder";
import { Qwen3Decoder, qwen3Tensors } from "../../src/models/qwen3-decoder";
import type { AudioAdaptor, AudioEncoder } from "../../src/nn/parts";
import { LlmPromptedRecognizer } from "../../src/pipeline/recognizers/llm-prompted";
import type { TextModel } from "../../src/pipeline/text-model";
import { TextTokenizer } from "../../src/pipeline/tokenizer";
import { randomWeights } from "./random-weights";

export type Qwen3AsrSize = "0.6b" | "1.7b";

const RELEASES = {
  "0.6b": { audio: QWEN3_ASR_0_6B_AUDIO, projector: QWEN3_ASR_0_6B_PROJECTOR, text: QWEN3_ASR_0_6B_TEXT },
  "1.7b": { audio: QWEN3_ASR_1_7B_AUDIO, projector: QWEN3_ASR_1_7B_PROJECTOR, text: QWEN3_ASR_1_7B_TEXT },
} as const;

export interface RandomRecognizerOptions {
  readonly size: Qwen3AsrSize;
  readonly small?: boolean;
  readonly noStop?: boolean;
}

/** The family's tokenizer, written into a temporary folder and read back. */
function familyTokenizer(): TextTokenizer {
  const dir = mkdtempSync(join(tmpdir(), "mlx-asr-bench-tokenizer-"));
  try {
    const decoder = QWEN3_ASR.components.find((c) => c.role === "decoder") as LanguageModelComponent;
    decoder.writeTinyTokenizer(dir);
    return TextTokenizer.load(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function randomQwen3AsrRecognizer(options: RandomRecognizerOptions): Promise<LlmPromptedRecognizer> {
  const release = RELEASES[options.size];
  const audioConfig = options.small ? { ...release.audio, encoder_layers: 1 } : release.audio;
  const textConfig = options.small ? { ...release.text, num_hidden_layers: 1 } : release.text;
  const recipe = QWEN3_ASR.recipe as LlmPromptedRecipe;
  const encoder = (await AUT_ENCODER.build(audioConfig, randomWeights(autEncoderTensors(audioConfig), 1), { configSource: "random" })) as AudioEncoder;
  const adaptor = (await QWEN3_ASR_PROJECTOR.build(release.projector, randomWeights(qwen3AsrProjectorTensors(release.projector), 2), { configSource: "random" })) as AudioAdaptor;
  const llm = await Qwen3Decoder.build(textConfig, randomWeights(qwen3Tensors(textConfig), 4), "random");
  const tokenizer = familyTokenizer();
  /** Random weights have no files; a NaN found in them is reported against this name. */
  const files: LocatedModel = { root: "(random weights)", family: QWEN3_ASR, frontendDir: null, tokenizerDir: "(random weights)" };
  const text: TextModel = {
    llm,
    files,
    tokenizer,
    recipe,
    stopIds: new Set(options.noStop ? [] : recipe.stopTokens.map((t) => tokenizer.idOf(t)!)),
    audioPlaceholderId: tokenizer.idOf(recipe.audioPlaceholder!)!,
  };
  return new LlmPromptedRecognizer(QWEN3_ASR.features.load(null), encoder, adaptor, text, recipe, files);
}
