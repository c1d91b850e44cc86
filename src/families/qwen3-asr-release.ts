/**
 * The folders Qwen3-ASR is published in, told apart by their tensor names: the
 * release (`Qwen/Qwen3-ASR-0.6B`, `-1.7B`: `thinker.audio_tower.*` with the
 * projector inside, `thinker.model.*`, `thinker.lm_head`; one file or shards),
 * transformers' `-hf` conversion (`model.audio_tower.*`, `model.multi_modal_projector.*`,
 * `model.language_model.*`), and mlx-community's copies (`thinker.` removed,
 * channels-last convolutions, `lm_head` dropped, the text model quantized). The
 * config.json is nested (`thinker_config.{audio,text}_config`) except in the `-hf`
 * layout (`audio_config`, `text_config`); its sizes configure the networks.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { parseWith, readJsonFile } from "../config";
import { ModelFileError } from "../errors";
import { CheckpointIndex, findWeightFiles } from "../engine/weights";
import type { LocatedComponent, ReleaseLayout } from "./family";

const Section = z.record(z.string(), z.unknown());

const ReleaseConfigSchema = z.object({
  model_type: z.literal("qwen3_asr"),
  thinker_config: z.object({ audio_config: Section, text_config: Section }).optional(),
  audio_config: Section.optional(),
  text_config: Section.optional(),
  /** mlx-community: how the text model is quantized. */
  quantization: z.unknown().optional(),
});

interface KeyPrefixes {
  readonly name: string;
  readonly encoder: string;
  readonly adaptor: string;
  readonly decoder: string;
}

const LAYOUTS: readonly (KeyPrefixes & { readonly marker: string })[] = [
  { name: "released", marker: "thinker.audio_tower.conv2d1.weight", encoder: "thinker.audio_tower.", adaptor: "thinker.audio_tower.", decoder: "thinker." },
  { name: "transformers", marker: "model.audio_tower.conv2d1.weight", encoder: "model.audio_tower.", adaptor: "model.multi_modal_projector.", decoder: "" },
  { name: "mlx-community", marker: "audio_tower.conv2d1.weight", encoder: "audio_tower.", adaptor: "audio_tower.", decoder: "" },
];

/** The text config as the Qwen3 decoder reads it: transformers 5 keeps θ in `rope_parameters`; a stored quantization joins it. */
function textConfig(text: Record<string, unknown>, quantization: unknown): Record<string, unknown> {
  const rope = text.rope_parameters as { rope_theta?: unknown } | undefined;
  return {
    ...text,
    ...(text.rope_theta === undefined && rope?.rope_theta !== undefined ? { rope_theta: rope.rope_theta } : {}),
    ...(quantization !== undefined ? { quantization } : {}),
  };
}

export const QWEN3_ASR_RELEASE: ReleaseLayout = {
  name: "Qwen3-ASR (released, transformers -hf, mlx-community)",
  locate(root, family) {
    const configFile = join(root, "config.json");
    if (!existsSync(configFile)) return null;
    const raw = readJsonFile(configFile) as { model_type?: unknown };
    if (raw.model_type !== "qwen3_asr") return null;
    const config = parseWith(ReleaseConfigSchema, raw, configFile);
    const audio = config.thinker_config?.audio_config ?? config.audio_config;
    const text = config.thinker_config?.text_config ?? config.text_config;
    if (!audio || !text) throw new ModelFileError("CONFIG_INVALID", configFile, "holds neither thinker_config.{audio,text}_config nor audio_config and text_config");
    const files = findWeightFiles(root);
    const index = CheckpointIndex.fromFiles(files);
    const layout = LAYOUTS.find((l) => index.has(l.marker));
    if (!layout) {
      throw new ModelFileError("MODEL_LAYOUT_UNKNOWN", root, `has a Qwen3-ASR config.json but no audio tower in its weights (looked for ${LAYOUTS.map((l) => `"${l.marker}"`).join(", ")})`);
    }
    const part = (prefix: string, partConfig: unknown): LocatedComponent => ({ dir: root, files, configFile: null, config: partConfig, prefix });
    return {
      root,
      family,
      frontendDir: null,
      encoder: part(layout.encoder, audio),
      adaptor: part(layout.adaptor, audio),
      decoder: part(layout.decoder, textConfig(text, config.quantization)),
      tokenizerDir: root,
    };
  },
};
