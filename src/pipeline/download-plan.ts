/**
 * What a first run downloads, decided from the repositories' listings: for a
 * family, each part it needs (its networks, and the tokenizer when it has a
 * language model) from the first of its sources that provides the part and whose
 * listing holds files for it (weights, for a network); for a hub id, the files its
 * family's source names (or every model file). Then the download itself, and for
 * a family the model folder assembled from the snapshots.
 */
import type { FamilyDefinition, HubPart, HubSource } from "../families/family";
import { allFamilies } from "../families/registry";
import { DownloadError } from "../errors";
import { hubCacheDir } from "../hub/cache";
import { downloadFiles, missingBytes, type DownloadProgress } from "../hub/download";
import type { HubAccessOptions } from "../hub/http";
import { listRepository, type RepoFile, type RepoListing } from "../hub/listing";
import { MODEL_FILE_PATTERNS, selectFiles } from "../hub/patterns";
import { assembledModelDir, writeAssembledModel } from "./assembled-model";
import { sourcesOf, variantReference } from "./family-variants";

export interface PlannedSource {
  readonly repo: string;
  /** The parts taken from it. */
  readonly parts: readonly HubPart[];
  /** Sub-folder of the assembled model folder ("" for the top). */
  readonly folder: string;
  readonly listing: RepoListing;
  readonly files: readonly RepoFile[];
  readonly totalBytes: number;
  /** Bytes not yet in the Hugging Face cache. */
  readonly missingBytes: number;
}

export interface DownloadPlan {
  /** What is downloaded, as a model reference: `family[:variant]` or `org/name[@revision]`. */
  readonly reference: string;
  /** The family and variant, for a family's plan. */
  readonly family: FamilyDefinition | null;
  readonly variant: string | null;
  readonly sources: readonly PlannedSource[];
  readonly totalBytes: number;
  readonly missingBytes: number;
  /** The Hugging Face cache the files go into. */
  readonly hubCache: string;
  /** The folder a family's model is assembled in (links to the snapshots); null for a hub id (its snapshot is the model). */
  readonly modelFolder: string | null;
}

export interface PlanOptions extends HubAccessOptions {
  /** Default hubCacheDir(). */
  readonly cacheDir?: string;
  /** Listings already asked for, by repository (several plans of one command share them). */
  readonly listings?: Map<string, Promise<RepoListing>>;
}

const CHECKPOINT = /\.(safetensors|pt|pth|bin)$/;

/** Every network of the family, and its tokenizer when it has a language model. */
function requiredParts(family: FamilyDefinition): HubPart[] {
  const roles: HubPart[] = family.components.map((c) => c.role);
  return family.components.some((c) => c.role === "decoder") ? [...roles, "tokenizer"] : roles;
}

function patternsFor(source: HubSource, part: HubPart): readonly string[] {
  return source.files?.[part] ?? source.files?.all ?? MODEL_FILE_PATTERNS;
}

/** Whether the files make up the part: weights for a network, anything for the rest. */
function supplies(part: HubPart, files: readonly RepoFile[]): boolean {
  return part === "tokenizer" || part === "frontend" ? files.length > 0 : files.some((f) => CHECKPOINT.test(f.path));
}

function lister(options: PlanOptions): (repo: string) => Promise<RepoListing> {
  const listings = options.listings ?? new Map<string, Promise<RepoListing>>();
  return (repo) => {
    let listing = listings.get(repo);
    if (!listing) {
      listing = listRepository(repo, "main", options);
      listings.set(repo, listing);
    }
    return listing;
  };
}

interface Chosen {
  readonly source: HubSource;
  readonly listing: RepoListing;
  readonly parts: HubPart[];
  readonly files: Set<RepoFile>;
}

export async function planFamilyDownload(family: FamilyDefinition, variant: string, options: PlanOptions = {}): Promise<DownloadPlan> {
  const reference = variantReference(family, variant);
  const sources = sourcesOf(family, variant);
  if (sources.length === 0) throw new DownloadError("DOWNLOAD_NO_SOURCES", reference, "the family names no hub repositories; give a model folder with --model");
  const list = lister(options);
  const chosen = new Map<HubSource, Chosen>();
  const take = (source: HubSource, listing: RepoListing, part: HubPart, files: readonly RepoFile[]) => {
    const entry = chosen.get(source) ?? { source, listing, parts: [], files: new Set<RepoFile>() };
    entry.parts.push(part);
    for (const f of files) entry.files.add(f);
    chosen.set(source, entry);
  };
  const missing: HubPart[] = [];
  for (const part of requiredParts(family)) {
    let found = false;
    for (const source of sources) {
      const asked = source.provides.includes(part) ? part : source.provides.includes("all") ? "all" : null;
      if (!asked) continue;
      const listing = await list(source.repo);
      const files = selectFiles(listing.files, patternsFor(source, asked));
      if (!supplies(part, files)) continue;
      take(source, listing, part, files);
      found = true;
      break;
    }
    if (!found) missing.push(part);
  }
  if (missing.length > 0) {
    const repos = [...new Set(sources.map((s) => s.repo))].join(", ");
    throw new DownloadError("DOWNLOAD_NO_MATCHING_FILES", reference, `no hub repository of it holds its ${missing.join(", ")} (looked in ${repos})`);
  }
  // Front-end files come from a source already used for another part.
  for (const entry of chosen.values()) {
    if (entry.source.provides.includes("frontend")) take(entry.source, entry.listing, "frontend", selectFiles(entry.listing.files, patternsFor(entry.source, "frontend")));
  }
  const ordered = sources.flatMap((s) => (chosen.has(s) ? [chosen.get(s)!] : []));
  return plan(reference, family, variant, ordered.map((c) => ({ repo: c.source.repo, parts: c.parts, folder: c.source.folder ?? "", listing: c.listing, files: [...c.files] })), options);
}

/** The files a hub id's download takes: those its family's source names, else every model file. */
export function filePatternsOfRepo(repoId: string): readonly string[] {
  for (const family of allFamilies()) {
    const source = family.hub.find((s) => s.repo === repoId);
    if (source) return source.provides.flatMap((part) => patternsFor(source, part));
  }
  return MODEL_FILE_PATTERNS;
}

export async function planRepoDownload(repoId: string, revision: string, options: PlanOptions = {}, patterns: readonly string[] = filePatternsOfRepo(repoId)): Promise<DownloadPlan> {
  const reference = revision === "main" ? repoId : `${repoId}@${revision}`;
  const listing = await listRepository(repoId, revision, options);
  const files = selectFiles(listing.files, patterns);
  if (files.length === 0) {
    const available = listing.files.slice(0, 8).map((f) => f.path).join(", ");
    throw new DownloadError("DOWNLOAD_NO_MATCHING_FILES", reference, `no file matches ${patterns.join(" ")}; the repository has: ${available || "no files"}`);
  }
  return plan(reference, null, null, [{ repo: repoId, parts: ["all"], folder: "", listing, files }], options);
}

async function plan(
  reference: string,
  family: FamilyDefinition | null,
  variant: string | null,
  sources: Omit<PlannedSource, "totalBytes" | "missingBytes">[],
  options: PlanOptions,
): Promise<DownloadPlan> {
  const hubCache = options.cacheDir ?? hubCacheDir();
  const sized: PlannedSource[] = [];
  for (const s of sources) sized.push({ ...s, totalBytes: s.files.reduce((sum, f) => sum + f.size, 0), missingBytes: await missingBytes(s.listing, s.files, hubCache) });
  return {
    reference,
    family,
    variant,
    sources: sized,
    totalBytes: sized.reduce((sum, s) => sum + s.totalBytes, 0),
    missingBytes: sized.reduce((sum, s) => sum + s.missingBytes, 0),
    hubCache,
    modelFolder: family ? assembledModelDir(family, variant ?? "") : null,
  };
}

export interface RunPlanOptions extends HubAccessOptions {
  readonly onProgress?: (event: DownloadProgress, repoId: string) => void;
}

/** Downloads what the plan lists; returns the model folder (assembled for a family, the snapshot for a hub id). */
export async function runDownloadPlan(plan: DownloadPlan, options: RunPlanOptions = {}): Promise<string> {
  const snapshots: string[] = [];
  for (const source of plan.sources) {
    snapshots.push(await downloadFiles(source.listing, source.files, { ...options, cacheDir: plan.hubCache, onProgress: (e) => options.onProgress?.(e, source.repo) }));
  }
  if (!plan.family) return snapshots[0]!;
  return writeAssembledModel(
    plan.family,
    plan.variant ?? "",
    plan.sources.map((s, i) => ({ repo: s.repo, commit: s.listing.commit, folder: s.folder, parts: s.parts, snapshot: snapshots[i]!, files: s.files.map((f) => f.path) })),
  );
}
