/**
 * From what the user typed to a located model: a folder, a hub id in the
 * Hugging Face cache (downloaded when allowed), or a family name, looked up in
 * the default models folder.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { ModelNotFoundError } from "../errors";
import { downloadModel, type DownloadProgress } from "../hub/download";
import { resolveModelReference } from "../hub/reference";
import { FAMILIES } from "./families";
import { locateModelFiles, type ModelFiles } from "./model-files";

export interface ResolveModelOptions {
  /** Family of a bare Qwen3 repo (used for text jobs). */
  readonly family?: string;
  /** Download a hub model missing from the cache (default: no, say how to get it). */
  readonly download?: boolean;
  readonly onDownloadProgress?: (event: DownloadProgress) => void;
}

/** Where family-named models live: $MLX_ASR_MODELS, else ./models. */
export function modelsFolder(): string {
  return resolve(process.env.MLX_ASR_MODELS ?? "models");
}

export async function resolveModel(ref: string, options: ResolveModelOptions = {}): Promise<ModelFiles> {
  if (FAMILIES[ref] && !existsSync(ref)) {
    const dir = join(modelsFolder(), ref);
    if (!existsSync(dir)) {
      throw new ModelNotFoundError(
        "MODEL_NOT_FOUND",
        dir,
        `the ${ref} weights are not there; see README "Getting the weights" (or pass --model <folder|org/name>)`,
      );
    }
    return locateModelFiles(dir, ref);
  }
  const reference = resolveModelReference(ref);
  if (reference.kind === "dir") return locateModelFiles(reference.path, options.family);
  let snapshot = reference.snapshot;
  if (!snapshot) {
    if (!options.download) {
      throw new ModelNotFoundError("MODEL_NOT_FOUND", ref, `is not in the Hugging Face cache; get it with: bun run mlx-asr download ${ref}`);
    }
    snapshot = await downloadModel(reference.repoId, { revision: reference.revision, onProgress: options.onDownloadProgress });
  }
  return locateModelFiles(snapshot, options.family);
}
