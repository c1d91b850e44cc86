/**
 * FunASR-Qwen4B (the OminiX project): SenseVoiceSmall's encoder without √D
 * scaling, the OminiX front end, the 4-layer Qwen4B adaptor and Qwen3-4B,
 * prompted by raw concatenation without ChatML (OminiX `funasr-qwen4b-mlx`).
 */
import { join } from "node:path";
import { readdirSync } from "node:fs";
import { QWEN4B_ADAPTOR, QWEN4B_ADAPTOR_RELEASE, Qwen4bAdaptorConfigSchema } from "../../adaptor/qwen4b-adaptor";
import { funasrFeatures } from "../audio/features/funasr-frontend";
import { ModelFileError } from "../errors";
import { findWeightFiles, CheckpointIndex } from "../engine/weights";
import { QWEN3_4B } from "../models/qwen3-decoder";
import { qwen3Decoder, senseVoiceEncoder } from "./components";
import type { FamilyWithRecipe, LlmPromptedRecipe, NetworkComponent, ReleaseLayout } from "./family";
import { chatTurn, EMPTY_THINK, QWEN3_MODEL_TYPES, QWEN3_STOP_TOKENS, translationTurn } from "./prompts/chatml";
import { AUDIO, template } from "./prompts/parts";
import { asSafetensors, findModelDir, firstExisting } from "./release-files";

const TRANSCRIBE_PREFIX = "语音转写成中文：";
const TRANSCRIBE_SUFFIX = "只输出转写文字，不要分析或解释：";
const TRANSLATE_PREFIX = "Translate the speech to English:";

const TOKENS_PER_SECOND = { transcribe: 5, translate: 8 } as const;

const encoder = senseVoiceEncoder({ input_scale: "none" });

const adaptor: NetworkComponent = {
  role: "adaptor",
  folder: "adaptor",
  network: QWEN4B_ADAPTOR,
  released: QWEN4B_ADAPTOR_RELEASE,
  tiny: ({ decoderWidth }) => Qwen4bAdaptorConfigSchema.parse({ input_dim: 64, hidden_dim: 96, output_dim: decoderWidth, num_layers: 2, num_heads: 4, ffn_dim: 192 }),
};

const decoder = qwen3Decoder(QWEN3_4B);

/** SenseVoiceSmall as OminiX names it, or FunAudioLLM's `model.pt` (converted once into the cache). */
const ENCODER_FILES = ["sensevoice_iic.safetensors", "sensevoice/encoder.safetensors", "sensevoice/model.safetensors", "model.safetensors", "sensevoice/model.pt"];
const ADAPTOR_FILES = ["adaptor_phase3_final.safetensors", "models/adaptor_phase3_final.safetensors", "adaptor_phase2_final.safetensors", "models/adaptor_phase2_final.safetensors", "adaptor.safetensors"];
const QWEN_DIRS = ["models/Qwen3-4B-4bit", "models/Qwen3-4B-8bit", "models/Qwen3-4B", "qwen3-4b", "Qwen3-4B-4bit", "Qwen3-4B-8bit", "Qwen3-4B"];

/** OminiX's folder: an adaptor file, a SenseVoice file (FunASR or OminiX names) and a Qwen3-4B folder. */
const OMINIX_RELEASE: ReleaseLayout = {
  name: "OminiX funasr-qwen4b",
  locate(root, family) {
    let adaptorFile = firstExisting(root, ADAPTOR_FILES);
    if (!adaptorFile) {
      const any = readdirSync(root).find((f) => f.startsWith("adaptor") && f.endsWith(".safetensors"));
      adaptorFile = any ? join(root, any) : null;
    }
    if (!adaptorFile) return null;
    const encoderFound = firstExisting(root, ENCODER_FILES);
    if (!encoderFound) throw new ModelFileError("COMPONENT_MISSING", root, `holds an OminiX adaptor but no SenseVoice weights (looked for ${ENCODER_FILES.join(", ")})`);
    const qwen = findModelDir(root, QWEN3_MODEL_TYPES, QWEN_DIRS);
    if (!qwen) throw new ModelFileError("COMPONENT_MISSING", root, `holds an OminiX adaptor but no Qwen3-4B folder (looked for ${QWEN_DIRS.join(", ")})`);
    const encoderFile = asSafetensors(encoderFound);
    const encoderIndex = CheckpointIndex.fromFiles([encoderFile]);
    const encoderPrefix = ["encoder.", "audio_encoder."].find((p) => encoderIndex.withPrefix(p).entries.size > 0) ?? "encoder.";
    return {
      root,
      family,
      frontendDir: null,
      encoder: { dir: root, files: [encoderFile], configFile: null, prefix: encoderPrefix },
      adaptor: { dir: root, files: [adaptorFile], configFile: null, prefix: "" },
      decoder: { dir: qwen, files: findWeightFiles(qwen), configFile: join(qwen, "config.json"), prefix: "" },
      tokenizerDir: qwen,
    };
  },
};

export const FUNASR_QWEN4B: FamilyWithRecipe<LlmPromptedRecipe> = {
  name: "funasr-qwen4b",
  title: "FunASR-Qwen4B (SenseVoiceSmall + OminiX adaptor + Qwen3-4B)",
  languages: { labels: { zh: "中文" }, detects: false },
  supportsHotwords: false,
  supportsAudioTranslation: true,
  segmentSeconds: 30,
  features: { folder: "frontend", ...funasrFeatures("ominix") },
  components: [encoder, adaptor, decoder],
  recipe: {
    kind: "llm-prompted",
    prompts: {
      audio: ({ task }) =>
        task === "translate" ? [template(TRANSLATE_PREFIX), AUDIO, template(EMPTY_THINK)] : [template(TRANSCRIBE_PREFIX), AUDIO, template(TRANSCRIBE_SUFFIX)],
      translation: translationTurn,
      chat: (text) => chatTurn(text),
      audioPromptTokens: 17,
    },
    audioPlaceholder: null,
    stopTokens: QWEN3_STOP_TOKENS,
    generation: {
      maxAudioTokens: (seconds, task) => Math.min(400, Math.max(30, Math.floor(seconds * TOKENS_PER_SECOND[task]))),
      maxTranslationTokens: 200,
      sampling: { temperature: 0 },
      repetitionGuard: true,
    },
  },
  releases: [OMINIX_RELEASE],
  hub: [
    {
      repo: "yuechen/funasr-qwen4b-mlx",
      provides: ["adaptor", "encoder"],
      files: { adaptor: [[...ADAPTOR_FILES, "adaptor*.safetensors"].join("|")], encoder: [ENCODER_FILES.join("|")] },
    },
    // The encoder the adaptor was trained on, when the adaptor's repository holds none.
    { repo: "FunAudioLLM/SenseVoiceSmall", provides: ["encoder", "frontend"], files: { encoder: ["model.pt"], frontend: ["am.mvn"] }, folder: "sensevoice" },
    { repo: "mlx-community/Qwen3-4B-4bit", provides: ["decoder", "tokenizer"], variant: "4bit", defaultUpToGiB: 16, folder: "Qwen3-4B-4bit" },
    { repo: "mlx-community/Qwen3-4B-8bit", provides: ["decoder", "tokenizer"], variant: "8bit", folder: "Qwen3-4B-8bit" },
  ],
};
