/**
 * A family's variants on the hub — quantizations or formats of its weights, named
 * by its hub sources — and the one a machine gets by default: the first whose
 * sources' memory rule (`defaultUpToGiB`) this machine meets. A model reference
 * names a family as `name` or `name:variant`.
 */
import { existsSync } from "node:fs";
import { totalmem } from "node:os";
import { UsageError } from "../errors";
import type { FamilyDefinition, HubSource } from "../families/family";
import { findFamily } from "../families/registry";

export interface FamilyReference {
  readonly family: FamilyDefinition;
  /** The variant named after the colon, or null: the default (or the one already downloaded). */
  readonly variant: string | null;
}

/** `name` or `name:variant` of a registered family; null when `ref` is something else (or an existing path). */
export function parseFamilyReference(ref: string): FamilyReference | null {
  if (existsSync(ref)) return null;
  const colon = ref.indexOf(":");
  const family = findFamily(colon < 0 ? ref : ref.slice(0, colon));
  if (!family) return null;
  if (colon < 0) return { family, variant: null };
  const variant = ref.slice(colon + 1);
  const known = variantsOf(family);
  if (!known.includes(variant)) {
    throw new UsageError("UNKNOWN_VARIANT", ref, `${family.name} has no variant "${variant}"; its variants: ${known.filter(Boolean).join(", ") || "none (use the family name alone)"}`);
  }
  return { family, variant };
}

/** The variants a family's sources name, in their order; [""] when none names one. */
export function variantsOf(family: FamilyDefinition): string[] {
  const named = [...new Set(family.hub.flatMap((s) => (s.variant ? [s.variant] : [])))];
  return named.length > 0 ? named : [""];
}

/** The sources of one variant: its own and those serving every variant, in the family's order. */
export function sourcesOf(family: FamilyDefinition, variant: string): HubSource[] {
  return family.hub.filter((s) => s.variant === undefined || s.variant === variant);
}

/** The variant a machine with `memoryBytes` of RAM gets when none is named. */
export function defaultVariant(family: FamilyDefinition, memoryBytes: number = totalmem()): string {
  const variants = variantsOf(family);
  const fits = (v: string) => family.hub.every((s) => s.variant !== v || s.defaultUpToGiB === undefined || memoryBytes <= s.defaultUpToGiB * 2 ** 30);
  return variants.find(fits) ?? variants.at(-1)!;
}

/** How a reference to this variant is written (`name:variant`, or `name` for a family with one). */
export function variantReference(family: FamilyDefinition, variant: string): string {
  return variant ? `${family.name}:${variant}` : family.name;
}

/** Why `variant` is this machine's default, when memory decided it (for the question before a download). */
export function defaultVariantReason(family: FamilyDefinition, variant: string, memoryBytes: number = totalmem()): string | null {
  const limits = family.hub.filter((s) => s.variant !== undefined && s.defaultUpToGiB !== undefined);
  if (limits.length === 0 || variant !== defaultVariant(family, memoryBytes)) return null;
  const gib = Math.round(memoryBytes / 2 ** 30);
  const others = variantsOf(family).filter((v) => v !== variant);
  const rules = limits.map((s) => `${s.variant} up to ${s.defaultUpToGiB} GB`).join(", ");
  return `${variant} for this machine's ${gib} GB of memory (${rules}); another: --model ${others.map((v) => variantReference(family, v)).join(" | ")}`;
}
