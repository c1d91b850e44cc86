/**
 * What `mlx-asr models` reports of every registered family and each of its
 * variants: the hub repositories and parts it takes, the download size (from the
 * repositories' listings when the hub answers, else estimated from the released
 * configurations' parameter counts), what is already in the caches, and whether
 * it fits this machine's memory.
 */
import { totalmem } from "node:os";
import { backend } from "../../engine/device";
import { isAsrError } from "../../errors";
import type { FamilyDefinition, HubPart } from "../../families/family";
import { isDir } from "../../families/release-files";
import { allFamilies } from "../../families/registry";
import { cacheRoot } from "../../engine/cache-dir";
import { hubCacheDir, resolveCachedSnapshot } from "../../hub/cache";
import type { RepoListing } from "../../hub/listing";
import type { LanguageModelDefinition } from "../../nn/network";
import type { CausalLM } from "../../nn/parts";
import { findAssembledModel } from "../../pipeline/assembled-model";
import { planFamilyDownload, type DownloadPlan } from "../../pipeline/download-plan";
import { defaultVariant, sourcesOf, variantReference, variantsOf } from "../../pipeline/family-variants";
import { modelsFolder } from "../../pipeline/resolve-model";
import { join } from "node:path";
import { decoderWeightBytes, estimateMemory, type WeightBits } from "../memory/estimate";
import { releasedMemoryInputs } from "../memory/inputs";

/** Share of RAM a model may use: Metal's recommended working set is about two thirds of it; on the CPU the OS keeps the rest. */
const USABLE_SHARE = { metal: 2 / 3, cpu: 0.85 } as const;
/** Audio networks are published as 16-bit floats (mlx-community, OminiX); the estimate assumes so. */
const AUDIO_BYTES_PER_PARAMETER = 2;

export interface VariantEntry {
  readonly variant: string;
  /** How to name it in --model and download. */
  readonly reference: string;
  /** This machine's default. */
  readonly isDefault: boolean;
  /** `fallback`: listed for parts an earlier repository provides when it holds them (without the listing, it is not known whether it will be used). */
  readonly repositories: readonly { readonly repo: string; readonly parts: readonly HubPart[]; readonly fallback?: boolean }[];
  readonly downloadBytes: number;
  readonly sizeFrom: "listing" | "estimate";
  /** Why the listing could not be used, when the hub answered with an error. */
  readonly listingError?: string;
  /** "yes": its model folder is complete; "partly": some of its repositories are in the Hugging Face cache. */
  readonly cached: "yes" | "partly" | "no";
  readonly folder: string | null;
  /** Estimated peak memory of a transcription (weights, KV cache, activations). */
  readonly memoryBytes: number;
  readonly fits: boolean;
}

export interface FamilyEntry {
  readonly name: string;
  readonly title: string;
  /** `models/<name>`, which a plain family name uses first, when it exists. */
  readonly localFolder: string | null;
  readonly variants: readonly VariantEntry[];
}

export interface Catalog {
  readonly machine: { readonly memoryBytes: number; readonly backend: "metal" | "cpu" };
  readonly hubCache: string;
  readonly modelCache: string;
  readonly families: readonly FamilyEntry[];
}

/** Bits of the decoder a variant name says ("4bit", "0.6b-8bit"); 16 for the float ones. */
function decoderBits(variant: string): WeightBits {
  const bits = Number(/(?:^|-)(\d+)bit$/.exec(variant)?.[1]);
  return bits === 4 || bits === 8 ? bits : 16;
}

function estimatedDownloadBytes(family: FamilyDefinition, variant: string): number {
  let bytes = 0;
  for (const component of family.components) {
    if (component.role === "decoder") {
      const network = component.network as LanguageModelDefinition<unknown, CausalLM>;
      bytes += decoderWeightBytes(network.sizes, component.released, decoderBits(variant), "metal");
    } else bytes += component.network.parameters(component.released) * AUDIO_BYTES_PER_PARAMETER;
  }
  return Math.round(bytes);
}

function unlistedRepositories(family: FamilyDefinition, variant: string): VariantEntry["repositories"] {
  const covered = new Set<HubPart>();
  return sourcesOf(family, variant).map((s) => {
    const fallback = s.provides.every((p) => p === "frontend" || covered.has(p));
    for (const p of s.provides) covered.add(p);
    return fallback ? { repo: s.repo, parts: s.provides, fallback } : { repo: s.repo, parts: s.provides };
  });
}

function cachedState(family: FamilyDefinition, variant: string): VariantEntry["cached"] {
  if (findAssembledModel(family, variant)) return "yes";
  return sourcesOf(family, variant).some((s) => resolveCachedSnapshot(s.repo) !== null) ? "partly" : "no";
}

interface ListingState {
  online: boolean;
  readonly listings: Map<string, Promise<RepoListing>>;
}

async function listedPlan(family: FamilyDefinition, variant: string, state: ListingState): Promise<{ plan: DownloadPlan | null; error?: string }> {
  if (!state.online || sourcesOf(family, variant).length === 0) return { plan: null };
  try {
    return { plan: await planFamilyDownload(family, variant, { listings: state.listings, retryDelaysMs: [] }) };
  } catch (e) {
    if (!isAsrError(e)) throw e;
    if (e.code === "DOWNLOAD_UNREACHABLE") state.online = false;
    return { plan: null, error: e.code === "DOWNLOAD_UNREACHABLE" ? undefined : e.oneLine() };
  }
}

async function variantEntry(family: FamilyDefinition, variant: string, memoryBytes: number, state: ListingState): Promise<VariantEntry> {
  const { plan, error } = await listedPlan(family, variant, state);
  const repositories = plan ? plan.sources.map((s) => ({ repo: s.repo, parts: s.parts })) : unlistedRepositories(family, variant);
  const device = backend();
  const memory = estimateMemory(releasedMemoryInputs(family, decoderBits(variant), family.segmentSeconds), device);
  const cached = cachedState(family, variant);
  return {
    variant,
    reference: variantReference(family, variant),
    isDefault: variant === defaultVariant(family, memoryBytes),
    repositories,
    downloadBytes: plan ? plan.totalBytes : estimatedDownloadBytes(family, variant),
    sizeFrom: plan ? "listing" : "estimate",
    ...(error && { listingError: error }),
    cached,
    folder: cached === "yes" ? findAssembledModel(family, variant) : null,
    memoryBytes: memory.total,
    fits: memory.total <= USABLE_SHARE[device] * memoryBytes,
  };
}

/** The catalog; `online: false` (or HF_HUB_OFFLINE=1) estimates sizes without asking the hub. */
export async function familyCatalog(options: { online?: boolean; memoryBytes?: number } = {}): Promise<Catalog> {
  const memoryBytes = options.memoryBytes ?? totalmem();
  const state: ListingState = { online: (options.online ?? true) && process.env.HF_HUB_OFFLINE !== "1", listings: new Map() };
  const families: FamilyEntry[] = [];
  for (const family of allFamilies()) {
    const variants: VariantEntry[] = [];
    for (const variant of variantsOf(family)) variants.push(await variantEntry(family, variant, memoryBytes, state));
    const local = join(modelsFolder(), family.name);
    families.push({ name: family.name, title: family.title, localFolder: isDir(local) ? local : null, variants });
  }
  return { machine: { memoryBytes, backend: backend() }, hubCache: hubCacheDir(), modelCache: join(cacheRoot(), "models"), families };
}
