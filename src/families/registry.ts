/**
 * The registry of model families: the built-in ones, and any a program (or a
 * plugin module named in MLX_ASR_PLUGINS) registers.
 */
import { UsageError } from "../errors";
import type { FamilyDefinition } from "./family";
import { FUN_ASR_NANO } from "./fun-asr-nano";
import { FUNASR_QWEN4B } from "./funasr-qwen4b";
import { GLM_ASR_NANO } from "./glm-asr-nano";
import { PARAFORMER_ZH } from "./paraformer-zh";
import { QWEN3_ASR } from "./qwen3-asr";

const families = new Map<string, FamilyDefinition>();

/** Adds a family; its name must be new. */
export function registerFamily(family: FamilyDefinition): void {
  const existing = families.get(family.name);
  if (existing && existing !== family) throw new UsageError("FAMILY_EXISTS", family.name, "a different family of this name is already registered");
  families.set(family.name, family);
}

for (const family of [FUNASR_QWEN4B, FUN_ASR_NANO, QWEN3_ASR, PARAFORMER_ZH, GLM_ASR_NANO]) registerFamily(family);

export const DEFAULT_FAMILY = FUNASR_QWEN4B.name;

/** Every registered family, built-in ones first. */
export function allFamilies(): FamilyDefinition[] {
  return [...families.values()];
}

export function findFamily(name: string): FamilyDefinition | undefined {
  return families.get(name);
}

export function familyByName(name: string, source = "family"): FamilyDefinition {
  const family = families.get(name);
  if (!family) throw new UsageError("UNKNOWN_FAMILY", source, `unknown model family "${name}"; known: ${[...families.keys()].join(", ")}`);
  return family;
}
