/**
 * The folders Fun-ASR-Nano-2512 is published as, recognised from their files and
 * tensor names:
 * - mlx-audio's conversion (mlx-community/Fun-ASR-Nano-2512[-8bit|-4bit|-fp16]):
 *   `config.json` (`model_type` fun_asr_nano, the LLM's config under `text_config`,
 *   its quantization at the top), `model.safetensors` with FunASR's names (FSMN
 *   kernels transposed, `llm.lm_head.weight` dropped as tied), the tokenizer beside
 *   it or in `Qwen3-0.6B/`;
 * - FunASR's own release (FunAudioLLM/Fun-ASR-Nano-2512 `model.pt`, converted once
 *   into the cache; FunAudioLLM/Fun-ASR-Nano-2512-vllm `model.safetensors`):
 *   `audio_encoder.*`, `audio_adaptor.*`, `llm.*`, beside `Qwen3-0.6B/`;
 * - transformers' port (`-hf`), refused with the reason.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { parseWith, readJsonFile } from "../config";
import { findWeightFiles } from "../engine/weights";
import { ModelFileError } from "../errors";
import type { LocatedModel, ReleaseLayout } from "./family";
import { QWEN3_MODEL_TYPES } from "./prompts/chatml";
import { asSafetensors, checkpointKeys, firstExisting, hasModelConfig } from "./release-files";

const LLM_FOLDER = "Qwen3-0.6B";

const MlxAudioConfigSchema = z.object({
  model_type: z.literal("fun_asr_nano"),
  text_config: z.record(z.string(), z.unknown()),
  quantization: z.unknown().optional(),
  qwen_tokenizer_path: z.string().default(LLM_FOLDER),
});

function readConfigJson(root: string): Record<string, unknown> | null {
  const file = join(root, "config.json");
  if (!existsSync(file)) return null;
  const json = readJsonFile(file);
  return typeof json === "object" && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : null;
}

/** The first of `dirs` holding a tokenizer (tokenizer.json, or vocab.json with merges.txt). */
function tokenizerDir(root: string, dirs: readonly string[]): string {
  const holds = (d: string) => existsSync(join(d, "tokenizer.json")) || (existsSync(join(d, "vocab.json")) && existsSync(join(d, "merges.txt")));
  const found = dirs.map((d) => join(root, d)).find(holds);
  if (!found) throw new ModelFileError("TOKENIZER_MISSING", root, `holds Fun-ASR-Nano weights but no tokenizer.json (looked in ${dirs.map((d) => d || ".").join(", ")})`);
  return found;
}

function holdsNanoTensors(names: readonly string[]): boolean {
  return names.some((n) => n.startsWith("audio_encoder.")) && names.some((n) => n.startsWith("llm."));
}

/** The located parts of one combined checkpoint: `audio_encoder.`, `audio_adaptor.`, `llm.`. */
function combined(root: string, family: LocatedModel["family"], files: string[], decoder: { configFile: string | null; config?: unknown }, tokenizer: string): LocatedModel {
  const shared = { dir: root, files, configFile: null };
  return {
    root,
    family,
    frontendDir: null,
    encoder: { ...shared, prefix: "audio_encoder." },
    adaptor: { ...shared, prefix: "audio_adaptor." },
    decoder: { dir: root, files, prefix: "llm.", ...decoder },
    tokenizerDir: tokenizer,
  };
}

export const TRANSFORMERS_PORT: ReleaseLayout = {
  name: "transformers Fun-ASR-Nano (-hf, not supported)",
  locate(root) {
    const config = readConfigJson(root);
    const architectures = Array.isArray(config?.architectures) ? config.architectures : [];
    const isPort = config?.model_type === "fun_asr_nano" && ("audio_config" in config || architectures.includes("FunAsrNanoForConditionalGeneration"));
    if (!isPort) return null;
    throw new ModelFileError(
      "LAYOUT_UNSUPPORTED",
      root,
      "is transformers' port of Fun-ASR-Nano (-hf), not supported yet: it feeds the LLM one adaptor row per LFR frame and skips the ×32768 waveform scale, where FunASR feeds fake_token_len rows; use mlx-community/Fun-ASR-Nano-2512-8bit or FunAudioLLM/Fun-ASR-Nano-2512",
    );
  },
};

export const MLX_AUDIO_RELEASE: ReleaseLayout = {
  name: "mlx-audio Fun-ASR-Nano (mlx-community)",
  locate(root, family) {
    const json = readConfigJson(root);
    if (json?.model_type !== "fun_asr_nano" || !("text_config" in json)) return null;
    const config = parseWith(MlxAudioConfigSchema, json, join(root, "config.json"));
    const files = findWeightFiles(root);
    if (!holdsNanoTensors(files.flatMap(checkpointKeys))) {
      throw new ModelFileError("COMPONENT_MISSING", root, "has an mlx-audio Fun-ASR-Nano config.json but its weights hold no audio_encoder.* and llm.* tensors");
    }
    const decoderConfig = config.quantization === undefined ? config.text_config : { ...config.text_config, quantization: config.quantization };
    return combined(root, family, files, { configFile: null, config: decoderConfig }, tokenizerDir(root, ["", config.qwen_tokenizer_path]));
  },
};

export const FUNASR_RELEASE: ReleaseLayout = {
  name: "FunAudioLLM Fun-ASR-Nano-2512 (model.pt or model.safetensors beside Qwen3-0.6B/)",
  locate(root, family) {
    const weights = firstExisting(root, ["model.safetensors", "model.pt"]);
    if (!weights || !holdsNanoTensors(checkpointKeys(weights))) return null;
    const llmDir = join(root, LLM_FOLDER);
    const llmConfig = hasModelConfig(llmDir, QWEN3_MODEL_TYPES) ? join(llmDir, "config.json") : null;
    return combined(root, family, [asSafetensors(weights)], { configFile: llmConfig }, tokenizerDir(root, [LLM_FOLDER, ""]));
  },
};
