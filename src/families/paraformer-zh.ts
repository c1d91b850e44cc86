/**
 * Paraformer-zh: FunASR's non-autoregressive Mandarin recognizer (paraformer-large,
 * vocab8404; `funasr/models/paraformer/model.py`). The FunASR front end with CMVN
 * from am.mvn, the SAN-M encoder, the CIF predictor and the SAN-M decoder read
 * greedily at every token position, tokens.json, and a time for every character
 * from the CIF fire positions. It has no language model, no prompt and no language
 * option; the plain model only (SeACo's hot words and BiCif's timestamp head are
 * other checkpoints).
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { funasrFeatures } from "../audio/features/funasr-frontend";
import { parseWith, readYamlFile } from "../config";
import { conversionCacheDir } from "../engine/cache-dir";
import { convertCheckpointIntoCache } from "../engine/pytorch/cached-conversion";
import { TorchCheckpoint } from "../engine/pytorch/checkpoint";
import { checkpointTensors } from "../engine/pytorch/convert";
import { readSafetensorsHeader } from "../engine/safetensors";
import { ConfigError, ModelFileError } from "../errors";
import { CIF_PREDICTOR, CifPredictorConfigSchema, PARAFORMER_LARGE_PREDICTOR, tinyCifPredictor } from "../models/cif-predictor";
import { PARAFORMER_DECODER, PARAFORMER_LARGE_DECODER, ParaformerDecoderConfigSchema, tinyParaformerDecoder } from "../models/paraformer-decoder";
import { PARAFORMER_LARGE_ENCODER, SENSEVOICE_ENCODER, SenseVoiceEncoderConfigSchema } from "../models/sensevoice-encoder";
import type { CifRecipe, FamilyWithRecipe, LocatedComponent, NetworkComponent, ReleaseLayout } from "./family";

const TOKENS_FILE = "tokens.json";
const CMVN_FILE = "am.mvn";

const encoder: NetworkComponent = {
  role: "encoder",
  folder: "encoder",
  network: SENSEVOICE_ENCODER,
  released: PARAFORMER_LARGE_ENCODER,
  tiny: () =>
    SenseVoiceEncoderConfigSchema.parse({
      ...PARAFORMER_LARGE_ENCODER,
      encoder_conf: { ...PARAFORMER_LARGE_ENCODER.encoder_conf, output_size: 64, attention_heads: 4, linear_units: 128, num_blocks: 3 },
    }),
};

const predictor: NetworkComponent = {
  role: "predictor",
  folder: "predictor",
  network: CIF_PREDICTOR,
  released: PARAFORMER_LARGE_PREDICTOR,
  tiny: () => tinyCifPredictor(64),
};

/** A tiny vocabulary in the frame of vocab8404: blank, <s>, </s>, characters and English pieces (`@@` inside a word), <unk> last. */
const TINY_TOKENS = [
  "<blank>",
  "<s>",
  "</s>",
  ..."的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经",
  ...["the", "qu@@", "ick", "brow@@", "n", "fo@@", "x", "a", "on", "in", "for", "ju@@"],
  "<unk>",
];

const decoder: NetworkComponent = {
  role: "nar_decoder",
  folder: "decoder",
  network: PARAFORMER_DECODER,
  released: PARAFORMER_LARGE_DECODER,
  tiny: () => tinyParaformerDecoder(64, TINY_TOKENS.length),
  writeTinyTokenizer: (dir) => writeFileSync(join(dir, TOKENS_FILE), `${JSON.stringify(TINY_TOKENS, null, 4)}\n`),
};

/** The parts of FunASR's `config.yaml` read here; the networks' schemas check the rest. */
const ReleaseConfigSchema = z.object({
  model: z.string(),
  encoder: z.literal("SANMEncoder", { error: 'must be "SANMEncoder" (Paraformer\'s encoder)' }),
  encoder_conf: z.record(z.string(), z.unknown()).default({}),
  predictor: z.string(),
  predictor_conf: z.record(z.string(), z.unknown()).default({}),
  decoder: z.string(),
  decoder_conf: z.record(z.string(), z.unknown()).default({}),
  frontend_conf: z.object({ n_mels: z.number().int().positive().default(80), lfr_m: z.number().int().positive().default(7) }).default({ n_mels: 80, lfr_m: 7 }),
});

/** Wrappers FunASR's `load_pretrained_model` unwraps around a state dict. */
const WRAPPERS = ["state_dict", "model_state_dict", "model"];
const PARTS = ["encoder.", "predictor.", "decoder."];
const PLAIN_PREDICTOR = new Set(["cif_conv1d.weight", "cif_conv1d.bias", "cif_output.weight", "cif_output.bias"]);

/** A checkpoint's tensor names, and the wrapper key and the `module.` prefix (of DataParallel) they sit under. */
interface CheckpointNames {
  readonly names: readonly string[];
  readonly wrapper?: string;
  readonly prefix: string;
}

function checkpointNames(file: string): CheckpointNames {
  let names: string[];
  let wrapper: string | undefined;
  if (file.endsWith(".safetensors")) names = [...readSafetensorsHeader(file).tensors.keys()];
  else {
    const checkpoint = TorchCheckpoint.open(file);
    try {
      names = checkpointTensors(checkpoint).map((t) => t.name);
    } finally {
      checkpoint.close();
    }
    wrapper = WRAPPERS.find((w) => names.length > 0 && names.every((n) => n.startsWith(`${w}.`)));
    if (wrapper) names = names.map((n) => n.slice(wrapper!.length + 1));
  }
  const prefix = names.length > 0 && names.every((n) => n.startsWith("module.")) ? "module." : "";
  return { names: names.map((n) => n.slice(prefix.length)), wrapper, prefix };
}

/** The tensors of another Paraformer (SeACo's bias encoder and decoder, BiCif's second predictor head), grouped by module. */
function variantTensors(names: readonly string[]): string[] {
  const groups = new Map<string, number>();
  for (const name of names) {
    const parts = name.split(".");
    const group = !PARTS.some((p) => name.startsWith(p)) ? `${parts[0]}.*` : name.startsWith("predictor.") && !PLAIN_PREDICTOR.has(name.slice("predictor.".length)) ? `predictor.${parts[1]}.*` : null;
    if (group) groups.set(group, (groups.get(group) ?? 0) + 1);
  }
  return [...groups].map(([group, count]) => `${group} (${count})`);
}

/**
 * FunASR's release (`funasr/paraformer-zh`, ModelScope
 * `iic/speech_paraformer-large_asr_nat-zh-cn-16k-common-vocab8404-pytorch`): `model.pt`
 * (converted once into safetensors in mlx-asr's cache; a `model.safetensors` beside it
 * is read instead), `config.yaml`, `am.mvn`, `tokens.json`.
 */
const FUNASR_RELEASE: ReleaseLayout = {
  name: "FunASR Paraformer (model.pt, config.yaml, am.mvn, tokens.json)",
  locate(root, family) {
    const yamlFile = join(root, "config.yaml");
    if (!existsSync(yamlFile)) return null;
    const raw = readYamlFile(yamlFile) as { model?: unknown } | null;
    if (typeof raw?.model !== "string" || !/paraformer/i.test(raw.model)) return null;
    for (const file of [TOKENS_FILE, CMVN_FILE]) {
      if (!existsSync(join(root, file))) throw new ModelFileError("FILE_MISSING", join(root, file), "is missing: a FunASR Paraformer release has it beside config.yaml");
    }
    const weights = ["model.safetensors", "model.pt"].map((f) => join(root, f)).find(existsSync);
    if (!weights) throw new ModelFileError("FILE_MISSING", join(root, "model.pt"), "is missing: a FunASR Paraformer release has it beside config.yaml");
    const { names, wrapper, prefix } = checkpointNames(weights);
    const variant = variantTensors(names);
    if (variant.length) {
      throw new ModelFileError("UNSUPPORTED_CHECKPOINT", weights, `is not the plain Paraformer (config.yaml: ${raw.model}): ${family.name} does not implement its extra tensors ${variant.join(", ")}`);
    }
    const release = parseWith(ReleaseConfigSchema, raw, yamlFile);
    const files = [weights.endsWith(".pt") ? convertCheckpointIntoCache(weights, conversionCacheDir(), { key: wrapper }).path : weights];
    const vocab = readSafetensorsHeader(files[0]!).tensors.get(`${prefix}decoder.output_layer.weight`)?.shape[0] ?? PARAFORMER_LARGE_DECODER.vocab_size;
    const encoderConfig = parseWith(
      SenseVoiceEncoderConfigSchema,
      { ...PARAFORMER_LARGE_ENCODER, input_size: release.frontend_conf.n_mels * release.frontend_conf.lfr_m, encoder_conf: { ...PARAFORMER_LARGE_ENCODER.encoder_conf, ...release.encoder_conf } },
      yamlFile,
    );
    const outputSize = encoderConfig.encoder_conf.output_size;
    const configs = {
      encoder: encoderConfig,
      predictor: parseWith(
        CifPredictorConfigSchema,
        { ...PARAFORMER_LARGE_PREDICTOR, predictor: release.predictor, predictor_conf: { ...PARAFORMER_LARGE_PREDICTOR.predictor_conf, ...release.predictor_conf } },
        yamlFile,
      ),
      nar_decoder: parseWith(
        ParaformerDecoderConfigSchema,
        { ...PARAFORMER_LARGE_DECODER, decoder: release.decoder, vocab_size: vocab, encoder_output_size: outputSize, decoder_conf: { ...PARAFORMER_LARGE_DECODER.decoder_conf, ...release.decoder_conf } },
        yamlFile,
      ),
    };
    if (configs.predictor.predictor_conf.idim !== configs.encoder.encoder_conf.output_size) {
      throw new ConfigError("CONFIG_INVALID", yamlFile, `field "predictor_conf.idim": is ${configs.predictor.predictor_conf.idim} but the encoder's output_size is ${configs.encoder.encoder_conf.output_size}`);
    }
    const part = (config: unknown, key: string): LocatedComponent => ({ dir: root, files, configFile: null, config, prefix: `${prefix}${key}.` });
    return {
      root,
      family,
      frontendDir: root,
      encoder: part(configs.encoder, "encoder"),
      predictor: part(configs.predictor, "predictor"),
      nar_decoder: part(configs.nar_decoder, "decoder"),
      tokenizerDir: root,
    };
  },
};

const recipe: CifRecipe = {
  kind: "cif",
  tokensFile: TOKENS_FILE,
  // `Paraformer`'s blank_id, sos and eos.
  droppedIds: [0, 1, 2],
  language: "zh",
  // LFR: one encoder frame per 6 fbank frames of 10 ms (FunASR `ts_prediction_lfr6_standard`).
  frameSeconds: 0.06,
};

export const PARAFORMER_ZH: FamilyWithRecipe<CifRecipe> = {
  name: "paraformer-zh",
  title: "Paraformer-zh (paraformer-large: SAN-M encoder, CIF predictor, non-autoregressive decoder; no LLM)",
  languages: { labels: {}, detects: false },
  supportsHotwords: false,
  supportsAudioTranslation: false,
  wordTimestamps: true,
  optionRefusals: {
    hotwords: "has no hot-word input (that is SeACo-Paraformer, another checkpoint)",
    language: "takes no language option: it transcribes Mandarin, with English words, as it hears it",
  },
  segmentSeconds: 30,
  features: { folder: "frontend", ...funasrFeatures("funasr", { releaseCmvnFile: CMVN_FILE }) },
  components: [encoder, predictor, decoder],
  recipe,
  releases: [FUNASR_RELEASE],
  hub: [{ repo: "funasr/paraformer-zh", provides: ["all"] }],
};
