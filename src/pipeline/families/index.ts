/** The registry of model families. */
import { UsageError } from "../../errors";
import type { FamilyDefinition } from "./family";
import { FUN_ASR_NANO } from "./fun-asr-nano";
import { FUNASR_QWEN4B } from "./funasr-qwen4b";

export const FAMILIES: Readonly<Record<string, FamilyDefinition>> = {
  [FUNASR_QWEN4B.name]: FUNASR_QWEN4B,
  [FUN_ASR_NANO.name]: FUN_ASR_NANO,
};

export const DEFAULT_FAMILY = FUNASR_QWEN4B.name;

export function familyByName(name: string, source = "family"): FamilyDefinition {
  const family = FAMILIES[name];
  if (!family) throw new UsageError("UNKNOWN_FAMILY", source, `unknown model family "${name}"; known: ${Object.keys(FAMILIES).join(", ")}`);
  return family;
}

export type { AudioPromptRequest, AudioTask, FamilyDefinition } from "./family";
