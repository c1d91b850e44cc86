/** The settings of a live session: the family's live defaults, else the pipeline's, with a caller's overrides. */
import { UsageError } from "../../errors";
import type { LiveDefaults, LlmPromptedRecipe, RerunLiveDefaults } from "../../families/family";
import type { LiveSettingOverrides } from "./live-session";

/** For families that declare none: the release streaming of Qwen3-ASR, which suits any prompted LLM. */
export const DEFAULT_LIVE: LiveDefaults = {
  chunkSeconds: 2,
  encoderWindowSeconds: 8,
  contextWindows: 4,
  unfixedChunks: 2,
  rollbackTokens: 5,
  maxNewTokens: 32,
  prefixTokens: 150,
};

const LOWEST: Readonly<Record<keyof LiveDefaults, number>> = {
  chunkSeconds: 0.1,
  encoderWindowSeconds: 0.1,
  contextWindows: 1,
  unfixedChunks: 0,
  rollbackTokens: 0,
  maxNewTokens: 1,
  prefixTokens: 0,
};

/** For one-pass recognizers that declare none: a chunk a second, words settled 1.5 s behind the audio. */
export const DEFAULT_RERUN_LIVE: RerunLiveDefaults = {
  chunkSeconds: 1,
  settleSeconds: 1.5,
  windowSeconds: 20,
};

const WHOLE = new Set<string>(["contextWindows", "unfixedChunks", "rollbackTokens", "maxNewTokens", "prefixTokens"]);

/** The entries of `defaults` with a caller's overrides of the same names (other names are not this kind's). */
function overridden<T extends object>(defaults: T, overrides: LiveSettingOverrides): T {
  const settings = { ...defaults } as Record<string, number>;
  for (const name of Object.keys(defaults)) {
    const value = (overrides as Record<string, number | undefined>)[name];
    if (value !== undefined) settings[name] = value;
  }
  return settings as T;
}

function checkLowest(settings: object, lowest: Readonly<Record<string, number>>): void {
  for (const [name, least] of Object.entries(lowest)) {
    const value = (settings as Record<string, number>)[name]!;
    const whole = WHOLE.has(name);
    if (!Number.isFinite(value) || value < least || (whole && !Number.isInteger(value))) {
      throw new UsageError("BAD_LIVE_SETTING", `live ${name}`, `must be ${whole ? "a whole number" : "a number"} ≥ ${least}, got ${value}`);
    }
  }
}

export function liveSettings(recipe: LlmPromptedRecipe, overrides: LiveSettingOverrides = {}): LiveDefaults {
  const settings = overridden({ ...DEFAULT_LIVE, ...recipe.live }, overrides);
  checkLowest(settings, LOWEST);
  if (settings.encoderWindowSeconds < settings.chunkSeconds) {
    throw new UsageError("BAD_LIVE_SETTING", "live encoderWindowSeconds", `must be at least the chunk (${settings.chunkSeconds} s)`);
  }
  return settings;
}

/** The settings of a one-pass recognizer's live session: its defaults with a caller's overrides. */
export function rerunLiveSettings(defaults: RerunLiveDefaults | undefined, overrides: LiveSettingOverrides = {}): RerunLiveDefaults {
  const settings = overridden(defaults ?? DEFAULT_RERUN_LIVE, overrides);
  checkLowest(settings, { chunkSeconds: 0.1, settleSeconds: 0, windowSeconds: 1 });
  if (settings.windowSeconds < settings.chunkSeconds + settings.settleSeconds) {
    throw new UsageError("BAD_LIVE_SETTING", "live windowSeconds", `must be at least the chunk and the settling margin together (${settings.chunkSeconds + settings.settleSeconds} s)`);
  }
  return settings;
}
