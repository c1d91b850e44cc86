/**
 * Where a model's parts are on disk. A model directory is either our component
 * layout (`family.json` + frontend/ encoder/ adaptor|nano_adaptor/ decoder/), or a
 * released layout recognised by its files:
 *  - Fun-ASR-Nano: `model.safetensors` holding `audio_encoder.*`, `audio_adaptor.*`,
 *    `llm.*`, beside `Qwen3-0.6B/` (config + tokenizer);
 *  - OminiX FunASR-Qwen4B: `adaptor*.safetensors`, a SenseVoice file, and a Qwen3
 *    directory (`models/Qwen3-4B-4bit/`, …);
 *  - a bare Qwen3 repo (mlx-community or HF): text jobs only (translate, generate).
 * Components in family.json may also name hub repos (`hf:org/name[@rev][/sub/dir]`),
 * resolved in the Hugging Face cache.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { z } from "zod";
import { readConfig, readJsonFile } from "../config";
import { ConfigError, ModelFileError, ModelNotFoundError } from "../errors";
import { CheckpointIndex, findWeightFiles } from "../engine/weights";
import { resolveCachedSnapshot } from "../hub/cache";
import { DEFAULT_FAMILY, FAMILIES, familyByName, type FamilyDefinition } from "./families";

export const FamilyFileSchema = z.object({
  format: z.literal("mlx-asr").default("mlx-asr"),
  family: z.string(),
  components: z
    .object({
      frontend: z.string().optional(),
      encoder: z.string().optional(),
      adaptor: z.string().optional(),
      decoder: z.string().optional(),
      tokenizer: z.string().optional(),
    })
    .default({}),
});

export interface ComponentFiles {
  /** Folder holding the component (and its config.json, when it has one). */
  readonly dir: string;
  readonly files: string[];
  /** The component's own config.json, or null to use the family's released configuration. */
  readonly configFile: string | null;
  /** Key prefix of the component's tensors inside `files`. */
  readonly prefix: string;
}

export interface ModelFiles {
  readonly root: string;
  readonly family: FamilyDefinition;
  /** Our layout's frontend/ folder, or null for the family's default front end. */
  readonly frontendDir: string | null;
  /** Null for text-only models (a bare Qwen3 repo). */
  readonly encoder: ComponentFiles | null;
  readonly adaptor: ComponentFiles | null;
  readonly decoder: ComponentFiles & { readonly configFile: string };
  readonly tokenizerDir: string;
}

function isDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

function hasQwen3Config(dir: string): boolean {
  const file = join(dir, "config.json");
  if (!existsSync(file)) return false;
  const json = readJsonFile(file) as { model_type?: unknown; architectures?: unknown };
  return json.model_type === "qwen3" || (Array.isArray(json.architectures) && json.architectures.includes("Qwen3ForCausalLM"));
}

/** A component location from family.json: a path relative to the model folder, or `hf:org/name[@rev][/sub]`. */
function locate(root: string, ref: string, field: string): string {
  if (!ref.startsWith("hf:")) return resolve(root, ref);
  const match = /^hf:([\w.-]+\/[\w.-]+)(?:@([\w.\-/]+?))?(?:\/(.+))?$/.exec(ref);
  if (!match) throw new ModelFileError("FAMILY_FILE_INVALID", join(root, "family.json"), `field "components.${field}": "${ref}" is not hf:org/name[@revision][/subdir]`);
  const [, repo, revision, sub] = match;
  const snapshot = resolveCachedSnapshot(repo!, revision ?? "main");
  if (!snapshot) {
    throw new ModelNotFoundError("MODEL_NOT_FOUND", repo!, `component "${field}" of ${root} is not in the Hugging Face cache; run: bun run mlx-asr download ${repo}`);
  }
  return sub ? join(snapshot, sub) : snapshot;
}

function component(dir: string, prefix = "", preferred?: string[]): ComponentFiles {
  if (!isDir(dir)) throw new ModelFileError("COMPONENT_MISSING", dir, "component folder does not exist");
  const configFile = existsSync(join(dir, "config.json")) ? join(dir, "config.json") : null;
  return { dir, files: findWeightFiles(dir, preferred), configFile, prefix };
}

function fromFamilyFile(root: string): ModelFiles {
  const specFile = join(root, "family.json");
  const spec = readConfig(specFile, FamilyFileSchema);
  if (!FAMILIES[spec.family]) {
    throw new ConfigError("CONFIG_INVALID", specFile, `field "family": unknown model family "${spec.family}"; known: ${Object.keys(FAMILIES).join(", ")}`);
  }
  const family = familyByName(spec.family);
  const c = spec.components;
  const at = (field: keyof typeof c, fallback: string) => locate(root, c[field] ?? fallback, field);
  const frontendDir = at("frontend", "frontend");
  const adaptorDir = at("adaptor", family.adaptor === "nano" ? "nano_adaptor" : "adaptor");
  const decoderDir = at("decoder", "decoder");
  const encoderDir = at("encoder", "encoder");
  const decoder = component(decoderDir);
  if (!decoder.configFile) throw new ModelFileError("FILE_MISSING", join(decoderDir, "config.json"), "the decoder's config.json is missing");
  return {
    root,
    family,
    frontendDir: isDir(frontendDir) ? frontendDir : null,
    encoder: component(encoderDir),
    adaptor: component(adaptorDir),
    decoder: { ...decoder, configFile: decoder.configFile },
    tokenizerDir: c.tokenizer ? at("tokenizer", "decoder") : decoderDir,
  };
}

function fromNanoRelease(root: string): ModelFiles | null {
  const weights = join(root, "model.safetensors");
  const llmDir = join(root, "Qwen3-0.6B");
  if (!existsSync(weights) || !hasQwen3Config(llmDir)) return null;
  const index = CheckpointIndex.fromFiles([weights]);
  if (!index.withPrefix("audio_encoder.").entries.size || !index.withPrefix("llm.").entries.size) return null;
  const family = familyByName("fun-asr-nano");
  const shared = { dir: root, files: [weights], configFile: null };
  return {
    root,
    family,
    frontendDir: null,
    encoder: { ...shared, prefix: "audio_encoder." },
    adaptor: { ...shared, prefix: "audio_adaptor." },
    decoder: { dir: llmDir, files: [weights], configFile: join(llmDir, "config.json"), prefix: "llm." },
    tokenizerDir: llmDir,
  };
}

const OMINIX_ENCODER_FILES = ["sensevoice_iic.safetensors", "sensevoice/encoder.safetensors", "sensevoice/model.safetensors", "model.safetensors"];
const OMINIX_ADAPTOR_FILES = ["adaptor_phase3_final.safetensors", "models/adaptor_phase3_final.safetensors", "adaptor_phase2_final.safetensors", "models/adaptor_phase2_final.safetensors", "adaptor.safetensors"];
const OMINIX_QWEN_DIRS = ["models/Qwen3-4B-4bit", "models/Qwen3-4B-8bit", "models/Qwen3-4B", "qwen3-4b", "Qwen3-4B-4bit", "Qwen3-4B-8bit", "Qwen3-4B"];

function firstExisting(root: string, candidates: string[]): string | null {
  for (const c of candidates) if (existsSync(join(root, c))) return join(root, c);
  return null;
}

/** Any direct sub-folder (or models/ sub-folder) holding a Qwen3 config. */
function findQwen3Dir(root: string): string | null {
  const named = OMINIX_QWEN_DIRS.map((d) => join(root, d)).find(hasQwen3Config);
  if (named) return named;
  for (const base of [root, join(root, "models")]) {
    if (!isDir(base)) continue;
    for (const entry of readdirSync(base).sort()) if (isDir(join(base, entry)) && hasQwen3Config(join(base, entry))) return join(base, entry);
  }
  return null;
}

function fromOminixRelease(root: string): ModelFiles | null {
  let adaptor = firstExisting(root, OMINIX_ADAPTOR_FILES);
  if (!adaptor) {
    const any = readdirSync(root).find((f) => f.startsWith("adaptor") && f.endsWith(".safetensors"));
    adaptor = any ? join(root, any) : null;
  }
  if (!adaptor) return null;
  const family = familyByName("funasr-qwen4b");
  const encoder = firstExisting(root, OMINIX_ENCODER_FILES);
  if (!encoder) throw new ModelFileError("COMPONENT_MISSING", root, `holds an OminiX adaptor but no SenseVoice weights (looked for ${OMINIX_ENCODER_FILES.join(", ")})`);
  const qwen = findQwen3Dir(root);
  if (!qwen) throw new ModelFileError("COMPONENT_MISSING", root, `holds an OminiX adaptor but no Qwen3-4B folder (looked for ${OMINIX_QWEN_DIRS.join(", ")})`);
  const encoderIndex = CheckpointIndex.fromFiles([encoder]);
  const encoderPrefix = ["encoder.", "audio_encoder."].find((p) => encoderIndex.withPrefix(p).entries.size > 0) ?? family.encoderPrefix;
  return {
    root,
    family,
    frontendDir: null,
    encoder: { dir: dirname(encoder), files: [encoder], configFile: null, prefix: encoderPrefix },
    adaptor: { dir: dirname(adaptor), files: [adaptor], configFile: null, prefix: "" },
    decoder: { dir: qwen, files: findWeightFiles(qwen), configFile: join(qwen, "config.json"), prefix: "" },
    tokenizerDir: qwen,
  };
}

function fromBareQwen3(root: string, familyName: string): ModelFiles | null {
  if (!hasQwen3Config(root)) return null;
  return {
    root,
    family: familyByName(familyName),
    frontendDir: null,
    encoder: null,
    adaptor: null,
    decoder: { dir: root, files: findWeightFiles(root), configFile: join(root, "config.json"), prefix: "" },
    tokenizerDir: root,
  };
}

/** Finds the parts of the model in `root`; `familyHint` names the family for a bare Qwen3 repo. */
export function locateModelFiles(root: string, familyHint = DEFAULT_FAMILY): ModelFiles {
  if (!isDir(root)) throw new ModelNotFoundError("MODEL_NOT_FOUND", root, "model folder does not exist");
  if (existsSync(join(root, "family.json"))) return fromFamilyFile(root);
  const found = fromNanoRelease(root) ?? fromOminixRelease(root) ?? fromBareQwen3(root, familyHint);
  if (!found) {
    throw new ModelFileError(
      "MODEL_LAYOUT_UNKNOWN",
      root,
      "is not a model folder: no family.json, no Fun-ASR-Nano model.safetensors + Qwen3-0.6B/, no OminiX adaptor*.safetensors, no Qwen3 config.json",
    );
  }
  return found;
}
