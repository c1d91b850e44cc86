/**
 * The folders GLM-ASR-Nano-2512 is published in, told apart by their tensor names:
 * - transformers' layout (zai-org/GLM-ASR-Nano-2512 today): `audio_tower.*`,
 *   `multi_modal_projector.*`, `language_model.model.*` (or the doubled
 *   `language_model.model.model.*` transformers' own `save_pretrained` writes),
 *   `language_model.lm_head.*`; config.json with `audio_config` and `text_config`;
 * - the original layout (the release before its conversion, and mlx-community's
 *   copies such as GLM-ASR-Nano-2512-4bit with a quantized text model):
 *   `audio_encoder.whisper.*`, `audio_encoder.layer_norm.*`, `audio_encoder.adapting.*`,
 *   `model.*` (or `language_model.model.*`), `lm_head.*`; config.json with
 *   `whisper_config` and `lm_config`. Its encoder q/k rows are in the interleaved
 *   RoPE order (transformers' converter permutes them), so its encoder runs
 *   interleaved RoPE.
 * The tokenizer is beside the weights.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { parseWith, readJsonFile } from "../config";
import { CheckpointIndex, findWeightFiles } from "../engine/weights";
import { ModelFileError } from "../errors";
import type { LocatedComponent, ReleaseLayout } from "./family";

const Section = z.record(z.string(), z.unknown());

const ReleaseConfigSchema = z.object({
  model_type: z.string().optional(),
  /** transformers. */
  audio_config: Section.optional(),
  text_config: Section.optional(),
  /** The original release and mlx-audio. */
  whisper_config: Section.optional(),
  lm_config: Section.optional(),
  merge_factor: z.number().int().positive().optional(),
  max_whisper_length: z.number().int().positive().optional(),
  /** mlx-community: how the text model is quantized. */
  quantization: z.unknown().optional(),
});
type ReleaseConfig = z.output<typeof ReleaseConfigSchema>;

const MODEL_TYPES = ["glmasr", "Glmasr", "glm_asr"];

const num = (section: Record<string, unknown>, key: string): number | undefined => (typeof section[key] === "number" ? (section[key] as number) : undefined);

/** transformers' `audio_config` as the encoder reads it (θ and the rotary share from `rope_parameters` when there). */
function transformersAudio(audio: Record<string, unknown>): Record<string, unknown> {
  const rope = (audio.rope_parameters ?? {}) as Record<string, unknown>;
  return {
    ...audio,
    ...(num(rope, "rope_theta") !== undefined ? { rope_theta: rope.rope_theta } : {}),
    ...(audio.partial_rotary_factor === undefined && num(rope, "partial_rotary_factor") !== undefined ? { partial_rotary_factor: rope.partial_rotary_factor } : {}),
  };
}

/** The original `whisper_config` (Whisper's names) as the encoder reads it; its q/k rows pair channels interleaved. */
function originalAudio(whisper: Record<string, unknown>): Record<string, unknown> {
  const pick = (from: string, to: string) => (whisper[from] !== undefined ? { [to]: whisper[from] } : {});
  return {
    hidden_size: 1280,
    intermediate_size: 5120,
    num_hidden_layers: 32,
    num_attention_heads: 20,
    ...pick("d_model", "hidden_size"),
    ...pick("encoder_ffn_dim", "intermediate_size"),
    ...pick("encoder_layers", "num_hidden_layers"),
    ...pick("encoder_attention_heads", "num_attention_heads"),
    ...pick("num_mel_bins", "num_mel_bins"),
    ...pick("max_source_positions", "max_position_embeddings"),
    rope_interleaved: true,
  };
}

function projector(audio: Record<string, unknown>, text: Record<string, unknown>, mergeFactor: number | undefined): Record<string, unknown> {
  const width = num(audio, "hidden_size")!;
  const merge = mergeFactor ?? (num(audio, "intermediate_size") ?? 4 * width) / width;
  const llm = num(text, "hidden_size") ?? 2048;
  return { encoder_dim: width, merge_factor: merge, window_frames: num(audio, "max_position_embeddings") ?? 1500, hidden_size: 2 * llm, output_dim: llm };
}

interface Layout {
  readonly name: string;
  readonly marker: string;
  readonly encoder: string;
  readonly adaptor: string;
  configs(config: ReleaseConfig, configFile: string): { audio: Record<string, unknown>; projector: Record<string, unknown>; text: Record<string, unknown> };
}

const LAYOUTS: readonly Layout[] = [
  {
    name: "transformers",
    marker: "audio_tower.conv1.weight",
    encoder: "audio_tower.",
    adaptor: "multi_modal_projector.",
    configs(config, file) {
      if (!config.audio_config || !config.text_config) throw new ModelFileError("CONFIG_INVALID", file, "holds GLM-ASR weights in transformers' layout but no audio_config and text_config");
      const audio = transformersAudio(config.audio_config);
      return { audio, projector: projector(audio, config.text_config, undefined), text: config.text_config };
    },
  },
  {
    name: "original",
    marker: "audio_encoder.whisper.conv1.weight",
    encoder: "audio_encoder.",
    adaptor: "audio_encoder.",
    configs(config) {
      const audio = originalAudio(config.whisper_config ?? config.audio_config ?? {});
      const text = config.lm_config ?? config.text_config ?? {};
      const window = { ...audio, max_position_embeddings: config.max_whisper_length ?? audio.max_position_embeddings };
      return { audio, projector: projector(window, text, config.merge_factor ?? 4), text };
    },
  },
];

export const GLM_ASR_NANO_RELEASE: ReleaseLayout = {
  name: "GLM-ASR-Nano (transformers, original / mlx-community)",
  locate(root, family) {
    const configFile = join(root, "config.json");
    if (!existsSync(configFile)) return null;
    const raw = readJsonFile(configFile) as { model_type?: unknown };
    const named = typeof raw.model_type === "string" && MODEL_TYPES.includes(raw.model_type);
    if (!named && !("whisper_config" in (raw as object))) return null;
    const config = parseWith(ReleaseConfigSchema, raw, configFile);
    const files = findWeightFiles(root);
    const index = CheckpointIndex.fromFiles(files);
    const layout = LAYOUTS.find((l) => index.has(l.marker));
    if (!layout) {
      throw new ModelFileError("MODEL_LAYOUT_UNKNOWN", root, `has a GLM-ASR config.json but no audio encoder in its weights (looked for ${LAYOUTS.map((l) => `"${l.marker}"`).join(", ")})`);
    }
    const configs = layout.configs(config, configFile);
    // mlx-community's copies quantize every layer mlx-audio can (the audio ones too); the config says how.
    const quantized = (c: Record<string, unknown>) => (config.quantization === undefined ? c : { ...c, quantization: config.quantization });
    const [audio, adaptor, text] = [quantized(configs.audio), quantized(configs.projector), quantized(configs.text)];
    const decoderPrefix = index.has("language_model.model.embed_tokens.weight") || index.has("language_model.model.model.embed_tokens.weight") ? "language_model." : "";
    const part = (prefix: string, partConfig: unknown): LocatedComponent => ({ dir: root, files, configFile: null, config: partConfig, prefix });
    return {
      root,
      family,
      frontendDir: null,
      encoder: part(layout.encoder, audio),
      adaptor: part(layout.adaptor, adaptor),
      decoder: part(decoderPrefix, text),
      tokenizerDir: root,
    };
  },
};
