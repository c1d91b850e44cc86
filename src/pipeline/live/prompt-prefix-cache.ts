/**
 * The decoder cache of a live session's last pass, kept for the next: a pass's
 * prompt starts with the same text and the same completed encoder windows as the
 * pass before (until a window is let go), so those positions are prefilled once and
 * only the window still filling, the answer's start and what follows are prefilled
 * again. Attention over the kept positions is the same computation as over a fresh
 * prefill of them, up to float32 rounding.
 */
import type { Tensor } from "../../engine/mlx";
import type { CausalLM, DecoderCache } from "../../nn/parts";

/** What a prompt starts with: text tokens, then whole windows of audio rows. */
export interface PromptLead {
  readonly ids: readonly number[];
  readonly windows: readonly Tensor[];
}

interface Kept {
  readonly cache: DecoderCache;
  readonly lead: PromptLead;
}

export class PromptPrefixCache {
  private kept: Kept | null = null;

  /**
   * A cache whose first `reused` positions hold the start of a prompt of `length`
   * positions that begins with `lead` (a new cache and 0 when nothing kept matches).
   * The cache is handed over: until `keep` is called, nothing is kept.
   */
  take(llm: CausalLM, lead: PromptLead, length: number): { cache: DecoderCache; reused: number } {
    const kept = this.kept;
    this.kept = null;
    const reused = kept ? Math.min(sharedPositions(kept.lead, lead), length - 1, kept.cache.offset) : 0;
    if (!kept || reused <= 0) return { cache: llm.newCache(), reused: 0 };
    kept.cache.rewind(reused);
    return { cache: kept.cache, reused };
  }

  /** After a pass: `cache`'s first positions hold `lead`. */
  keep(cache: DecoderCache, lead: PromptLead): void {
    this.kept = { cache, lead };
  }
}

/** Positions at the start of `next` that hold what `kept`'s start held: all of `kept` when `next` begins with it, else none. */
function sharedPositions(kept: PromptLead, next: PromptLead): number {
  if (kept.ids.length !== next.ids.length || kept.ids.some((id, i) => id !== next.ids[i])) return 0;
  if (kept.windows.length > next.windows.length || kept.windows.some((rows, i) => rows !== next.windows[i])) return 0;
  return kept.ids.length + kept.windows.reduce((sum, rows) => sum + rows.shape[0]!, 0);
}
