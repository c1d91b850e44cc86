/**
 * Where a model's parts are on disk. A model folder is mlx-asr's own layout
 * (`family.json` + one folder per component, named by the family), one of the
 * release layouts a family recognises (each family says how), the component
 * folders without `family.json`, or a bare language-model repo (text jobs only).
 * Components in family.json may also name hub repos (`hf:org/name[@rev][/sub/dir]`),
 * resolved in the Hugging Face cache.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import { readConfig } from "../config";
import { ConfigError, ModelFileError, ModelNotFoundError } from "../errors";
import { findWeightFiles } from "../engine/weights";
import type { FamilyDefinition, LanguageModelComponent, LocatedComponent, LocatedModel } from "../families/family";
import { allFamilies, DEFAULT_FAMILY, familyByName, findFamily } from "../families/registry";
import { hasModelConfig, isDir } from "../families/release-files";
import { resolveCachedSnapshot } from "../hub/cache";

export type { LocatedModel, LocatedComponent } from "../families/family";

export const FamilyFileSchema = z.object({
  format: z.literal("mlx-asr").default("mlx-asr"),
  family: z.string(),
  /** Component role (or "frontend", "tokenizer") → a folder relative to the model folder, or `hf:org/name[@rev][/sub]`. */
  components: z.record(z.string(), z.string()).default({}),
});

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

function componentIn(dir: string): LocatedComponent {
  if (!isDir(dir)) throw new ModelFileError("COMPONENT_MISSING", dir, "component folder does not exist");
  const configFile = existsSync(join(dir, "config.json")) ? join(dir, "config.json") : null;
  return { dir, files: findWeightFiles(dir), configFile };
}

/** mlx-asr's own layout: the family's component folders, possibly moved by `overrides`. */
function ourLayout(root: string, family: FamilyDefinition, overrides: Readonly<Record<string, string>>): LocatedModel {
  const at = (field: string, fallback: string) => locate(root, overrides[field] ?? fallback, field);
  const located: Record<string, LocatedComponent> = {};
  for (const c of family.components) {
    const component = componentIn(at(c.role, c.folder));
    if (c.role === "decoder" && !component.configFile) throw new ModelFileError("FILE_MISSING", join(component.dir, "config.json"), "the decoder's config.json is missing");
    located[c.role] = component;
  }
  const frontendDir = at("frontend", family.features.folder);
  const tokenizerHolder = family.components.find((c) => c.writeTinyTokenizer !== undefined);
  return {
    root,
    family,
    frontendDir: isDir(frontendDir) ? frontendDir : null,
    ...located,
    tokenizerDir: overrides.tokenizer ? at("tokenizer", "") : (tokenizerHolder ? located[tokenizerHolder.role]!.dir : root),
  };
}

function fromFamilyFile(root: string): LocatedModel {
  const specFile = join(root, "family.json");
  const spec = readConfig(specFile, FamilyFileSchema);
  const family = findFamily(spec.family);
  if (!family) {
    throw new ConfigError("CONFIG_INVALID", specFile, `field "family": unknown model family "${spec.family}"; known: ${allFamilies().map((f) => f.name).join(", ")}`);
  }
  return ourLayout(root, family, spec.components);
}

/** Component folders without family.json (e.g. the reference fixtures): the first family whose every folder is there. */
function fromComponentFolders(root: string, preferred: FamilyDefinition | undefined): LocatedModel | null {
  const candidates = preferred ? [preferred, ...allFamilies().filter((f) => f !== preferred)] : allFamilies();
  const family = candidates.find((f) => f.components.every((c) => isDir(join(root, c.folder)) && existsSync(join(root, c.folder, "config.json"))));
  return family ? ourLayout(root, family, {}) : null;
}

/** A bare language-model repo (mlx-community or transformers layout): text jobs only, prompted as `family`. */
function fromBareLanguageModel(root: string, family: FamilyDefinition): LocatedModel | null {
  const decoder = family.components.find((c): c is LanguageModelComponent => c.role === "decoder");
  if (!decoder || !hasModelConfig(root, decoder.modelTypes)) return null;
  return { root, family, frontendDir: null, decoder: { dir: root, files: findWeightFiles(root), configFile: join(root, "config.json"), prefix: "" }, tokenizerDir: root };
}

/** Finds the parts of the model in `root`; `familyHint` names the family of a bare language-model repo or of component folders. */
export function locateModelFiles(root: string, familyHint?: string): LocatedModel {
  if (!isDir(root)) throw new ModelNotFoundError("MODEL_NOT_FOUND", root, "model folder does not exist");
  if (existsSync(join(root, "family.json"))) return fromFamilyFile(root);
  for (const family of allFamilies()) {
    for (const layout of family.releases) {
      const found = layout.locate(root, family);
      if (found) return found;
    }
  }
  const hinted = familyHint ? familyByName(familyHint) : undefined;
  const found = fromComponentFolders(root, hinted) ?? fromBareLanguageModel(root, hinted ?? familyByName(DEFAULT_FAMILY));
  if (!found) {
    const layouts = allFamilies().flatMap((f) => f.releases.map((l) => l.name));
    throw new ModelFileError(
      "MODEL_LAYOUT_UNKNOWN",
      root,
      `is not a model folder: no family.json, no component folders, no language-model config.json, and none of the release layouts (${layouts.join("; ")})`,
    );
  }
  return found;
}
