/** Seeded randomness for fuzz cases: each case's generator depends only on (run seed, case index), so any case replays alone. */

export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [low, high], both included. */
  int(low: number, high: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

/** A small seeded PRNG (mulberry32): floats in [0, 1) that replay exactly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function caseRandom(runSeed: number, caseIndex: number): Random {
  const next = seededRandom(Math.imul(runSeed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(caseIndex + 1, 0xc2b2ae35));
  const int = (low: number, high: number) => low + Math.floor(next() * (high - low + 1));
  return {
    next,
    int,
    pick: <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!,
    chance: (p: number) => next() < p,
  };
}
