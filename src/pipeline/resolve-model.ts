/**
 * The one resolver of model references: what a user typed (a folder, a hub id
 * `org/name[@revision]`, or a family name meaning `models/<family>`) → the located
 * model. A hub id missing from the cache is fetched through the caller's `fetch`
 * (the command line asks first; the library fetches only when told to).
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { ModelNotFoundError } from "../errors";
import type { FamilyDefinition } from "../families/family";
import { findFamily } from "../families/registry";
import { downloadModel, type DownloadProgress } from "../hub/download";
import { resolveModelReference } from "../hub/reference";
import { locateModelFiles, type LocatedModel } from "./model-files";

export interface ResolveModelOptions {
  /** Family of a bare language-model repo (used for text jobs). */
  readonly family?: string;
  /** Fetches a hub model missing from the cache and returns its snapshot folder; default: download when `download` is set, else an error saying how. */
  readonly fetch?: (repoId: string, revision: string) => Promise<string>;
  /** Download a hub model missing from the cache (when no `fetch` is given). */
  readonly download?: boolean;
  readonly onDownloadProgress?: (event: DownloadProgress) => void;
}

/** Where family-named models live: $MLX_ASR_MODELS, else ./models. */
export function modelsFolder(): string {
  return resolve(process.env.MLX_ASR_MODELS ?? "models");
}

/** A family name that does not name an existing folder: the family and where its weights would be. */
export function familyReference(ref: string): { family: FamilyDefinition; dir: string } | null {
  const family = findFamily(ref);
  if (!family || existsSync(ref)) return null;
  return { family, dir: join(modelsFolder(), ref) };
}

/** The folder a reference names, fetching a hub model when it is not cached (and the options allow). */
export async function resolveModelFolder(ref: string, options: ResolveModelOptions = {}): Promise<string> {
  const named = familyReference(ref);
  if (named) {
    if (!existsSync(named.dir)) {
      throw new ModelNotFoundError(
        "MODEL_NOT_FOUND",
        named.dir,
        `the ${ref} weights are not there; see README "Getting the weights" (or pass --model <folder|org/name>)`,
      );
    }
    return named.dir;
  }
  const reference = resolveModelReference(ref);
  if (reference.kind === "dir") return reference.path;
  if (reference.snapshot) return reference.snapshot;
  if (options.fetch) return options.fetch(reference.repoId, reference.revision);
  if (!options.download) {
    throw new ModelNotFoundError("MODEL_NOT_FOUND", ref, `is not in the Hugging Face cache; get it with: bun run mlx-asr download ${ref}`);
  }
  return downloadModel(reference.repoId, { revision: reference.revision, onProgress: options.onDownloadProgress });
}

export async function resolveModel(ref: string, options: ResolveModelOptions = {}): Promise<LocatedModel> {
  const folder = await resolveModelFolder(ref, options);
  return locateModelFiles(folder, options.family ?? familyReference(ref)?.family.name ?? findFamily(ref)?.name);
}
