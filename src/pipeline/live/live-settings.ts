/** The settings of a live session: the family's live defaults, else the pipeline's, with a caller's overrides. */
import { UsageError } from "../../errors";
import type { LiveDefaults, LlmPromptedRecipe } from "../../families/family";

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

export function liveSettings(recipe: LlmPromptedRecipe, overrides: Partial<LiveDefaults> = {}): LiveDefaults {
  const settings = { ...DEFAULT_LIVE, ...recipe.live, ...overrides };
  for (const [name, lowest] of Object.entries(LOWEST) as [keyof LiveDefaults, number][]) {
    const value = settings[name];
    const whole = name !== "chunkSeconds" && name !== "encoderWindowSeconds";
    if (!Number.isFinite(value) || value < lowest || (whole && !Number.isInteger(value))) {
      throw new UsageError("BAD_LIVE_SETTING", `live ${name}`, `must be ${whole ? "a whole number" : "a number"} ≥ ${lowest}, got ${value}`);
    }
  }
  if (settings.encoderWindowSeconds < settings.chunkSeconds) {
    throw new UsageError("BAD_LIVE_SETTING", "live encoderWindowSeconds", `must be at least the chunk (${settings.chunkSeconds} s)`);
  }
  return settings;
}
