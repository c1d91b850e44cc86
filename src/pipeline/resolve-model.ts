/**
 * The one resolver of model references: what a user typed → the located model.
 * A reference is a folder; a hub id `org/name[@revision]` (its snapshot in the
 * Hugging Face cache); or a family name `name[:variant]`, meaning `models/<name>`
 * when that folder exists, else the family's weights from the hub, assembled in
 * mlx-asr's cache. Weights not yet on this machine are downloaded only when the
 * caller says so (`download`): the command line asks first, the library never
 * downloads unasked.
 */
import { dirname, join, resolve } from "node:path";
import { ModelNotFoundError } from "../errors";
import type { FamilyDefinition } from "../families/family";
import { isDir } from "../families/release-files";
import { findFamily } from "../families/registry";
import { repoCacheDir } from "../hub/cache";
import type { DownloadProgress } from "../hub/download";
import { resolveModelReference } from "../hub/reference";
import { assembledModelDir, findAssembledModel } from "./assembled-model";
import { planFamilyDownload, planRepoDownload, runDownloadPlan, type DownloadPlan } from "./download-plan";
import { defaultVariant, parseFamilyReference, variantReference, variantsOf, type FamilyReference } from "./family-variants";
import { locateModelFiles, type LocatedModel } from "./model-files";

export interface ResolveModelOptions {
  /** Family of a bare language-model repo (used for text jobs). */
  readonly family?: string;
  /**
   * Whether weights missing from this machine are downloaded: true, or a function
   * asked with what would be downloaded (the command line's question). Default: no;
   * a ModelNotFoundError gives the command that downloads them.
   */
  readonly download?: boolean | ((plan: DownloadPlan) => Promise<boolean>);
  readonly onDownloadProgress?: (event: DownloadProgress, repoId: string) => void;
  /** Cancels a download (the files received so far stay, for the next run to resume). */
  readonly signal?: AbortSignal;
}

/** Where family-named models live: $MLX_ASR_MODELS, else ./models. */
export function modelsFolder(): string {
  return resolve(process.env.MLX_ASR_MODELS ?? "models");
}

/**
 * The folder a family reference names without downloading anything: `models/<name>`
 * (when no variant is named), else the assembled folder of the named variant, or
 * of the default one, or of any variant already downloaded; null when none is here.
 */
export function findFamilyFolder(ref: FamilyReference): string | null {
  const { family, variant } = ref;
  const local = join(modelsFolder(), family.name);
  if (variant === null && isDir(local)) return local;
  const candidates = variant !== null ? [variant] : [defaultVariant(family), ...variantsOf(family)];
  for (const v of candidates) {
    const found = findAssembledModel(family, v);
    if (found) return found;
  }
  return null;
}

/** `absence` says what is missing where, e.g. "is not in the Hugging Face cache (…)". */
function notDownloaded(reference: string, absence: string): ModelNotFoundError {
  return new ModelNotFoundError("MODEL_NOT_FOUND", reference, `${absence}; download it with: bun run mlx-asr download ${reference}`);
}

async function downloadWithConsent(reference: string, absence: string, makePlan: () => Promise<DownloadPlan>, options: ResolveModelOptions): Promise<string> {
  if (!options.download) throw notDownloaded(reference, absence);
  const plan = await makePlan();
  if (typeof options.download === "function" && !(await options.download(plan))) throw notDownloaded(reference, absence);
  return runDownloadPlan(plan, { onProgress: options.onDownloadProgress, signal: options.signal });
}

function familyFolder(ref: FamilyReference, options: ResolveModelOptions): Promise<string> | string {
  const found = findFamilyFolder(ref);
  if (found) return found;
  const family: FamilyDefinition = ref.family;
  const variant = ref.variant ?? defaultVariant(family);
  const reference = ref.variant === null ? family.name : variantReference(family, variant);
  const absence = `its weights are not on this machine (no ${join(modelsFolder(), family.name)}, nothing in ${dirname(assembledModelDir(family, variant))})`;
  return downloadWithConsent(reference, absence, () => planFamilyDownload(family, variant, { signal: options.signal }), options);
}

/** The folder a reference names, downloading what is missing when the options allow. */
export async function resolveModelFolder(ref: string, options: ResolveModelOptions = {}): Promise<string> {
  const named = parseFamilyReference(ref);
  if (named) return familyFolder(named, options);
  const reference = resolveModelReference(ref);
  if (reference.kind === "dir") return reference.path;
  if (reference.snapshot) return reference.snapshot;
  const id = reference.revision === "main" ? reference.repoId : `${reference.repoId}@${reference.revision}`;
  return downloadWithConsent(id, `is not in the Hugging Face cache (${repoCacheDir(reference.repoId)})`, () => planRepoDownload(reference.repoId, reference.revision, { signal: options.signal }), options);
}

/** The family a reference means, for a folder that does not say (a bare language model, component folders). */
export function familyHint(ref: string, family?: string): string | undefined {
  return family ?? parseFamilyReference(ref)?.family.name ?? findFamily(ref)?.name;
}

export async function resolveModel(ref: string, options: ResolveModelOptions = {}): Promise<LocatedModel> {
  const folder = await resolveModelFolder(ref, options);
  return locateModelFiles(folder, familyHint(ref, options.family));
}
