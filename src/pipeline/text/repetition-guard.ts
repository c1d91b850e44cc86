/**
 * Token-level n-gram repetition detection during decoding (spec §4.6).
 *
 * After each appended token, once there are at least `minTokens` tokens, the
 * smallest n in 1..min(maxPattern, ⌊len/2⌋) is searched whose last n tokens
 * end `reps` identical consecutive copies (reps = 3 for n ≤ 2, 2 for n ≥ 3).
 * On a hit, generation stops and the run of copies of that n-token pattern at
 * the end is cut back to its FIRST copy: `[A,B,C,X,X,X]` → `[A,B,C,X]`,
 * `[A,P,Q,R,P,Q,R]` → `[A,P,Q,R]`. (Upstream OminiX cuts every copy,
 * the first included; we deliberately keep one.)
 */

export interface RepetitionGuardOptions {
  /** Longest pattern searched, in tokens (upstream: 512). */
  readonly maxPattern?: number;
  /** Consecutive copies needed for patterns of 1 or 2 tokens (upstream: 3). */
  readonly shortRepeats?: number;
  /** Consecutive copies needed for patterns of 3 tokens or more (upstream: 2). */
  readonly longRepeats?: number;
  /** No check before this many tokens (upstream: 4). */
  readonly minTokens?: number;
}

export type RepetitionVerdict =
  | { readonly repeated: false }
  /** Generation should stop; keep the first `keep` tokens (they end with one copy of `pattern`). */
  | { readonly repeated: true; readonly keep: number; readonly pattern: readonly number[] };

/** Patterns of at most this many tokens are "short" and need `shortRepeats` copies. */
const SHORT_PATTERN_MAX = 2;

const NOT_REPEATED: RepetitionVerdict = Object.freeze({ repeated: false });

interface ResolvedOptions {
  readonly maxPattern: number;
  readonly shortRepeats: number;
  readonly longRepeats: number;
  readonly minTokens: number;
}

function resolveOptions(options: RepetitionGuardOptions): ResolvedOptions {
  const resolved = {
    maxPattern: options.maxPattern ?? 512,
    shortRepeats: options.shortRepeats ?? 3,
    longRepeats: options.longRepeats ?? 2,
    minTokens: options.minTokens ?? 4,
  };
  const lowest = { maxPattern: 1, shortRepeats: 2, longRepeats: 2, minTokens: 0 } as const;
  for (const [name, value] of Object.entries(resolved) as [keyof ResolvedOptions, number][]) {
    if (!Number.isInteger(value) || value < lowest[name]) {
      throw new RangeError(`repetition guard: ${name} must be an integer ≥ ${lowest[name]}, got ${value}`);
    }
  }
  return resolved;
}

function repeatsNeeded(patternLength: number, options: ResolvedOptions): number {
  return patternLength <= SHORT_PATTERN_MAX ? options.shortRepeats : options.longRepeats;
}

/**
 * Incremental form, for the decoding loop: `push` each generated token and
 * stop when the verdict says `repeated`.
 *
 * For every pattern length n it keeps `runs[n]`, the number of consecutive
 * tokens at the end equal to the token n places earlier. The last n·reps
 * tokens are reps copies of the last n exactly when runs[n] ≥ n·(reps−1), so
 * a push costs O(maxPattern) and allocates nothing unless it finds a repeat.
 */
export class RepetitionGuard {
  private readonly options: ResolvedOptions;
  private readonly history: number[] = [];
  private readonly runs: Int32Array;

  constructor(options: RepetitionGuardOptions = {}) {
    this.options = resolveOptions(options);
    this.runs = new Int32Array(this.options.maxPattern + 1);
  }

  /** Every token pushed so far, including any after a `repeated` verdict. */
  get tokens(): readonly number[] {
    return this.history;
  }

  /**
   * How many trailing tokens a later verdict could still cut. A repeat found
   * later removes only tokens inside some pattern's current run, so a streaming
   * caller can show every token but these and never have to take text back.
   */
  get unsettled(): number {
    let most = 0;
    const updatable = Math.min(this.options.maxPattern, this.history.length - 1);
    for (let n = 1; n <= updatable; n++) most = Math.max(most, this.runs[n]!);
    return most;
  }

  push(token: number): RepetitionVerdict {
    const history = this.history;
    history.push(token);
    const length = history.length;
    const { maxPattern, minTokens } = this.options;

    const updatable = Math.min(maxPattern, length - 1);
    for (let n = 1; n <= updatable; n++) {
      this.runs[n] = history[length - 1 - n] === token ? this.runs[n]! + 1 : 0;
    }

    if (length < minTokens) return NOT_REPEATED;
    const searchable = Math.min(maxPattern, Math.floor(length / 2));
    for (let n = 1; n <= searchable; n++) {
      const run = this.runs[n]!;
      if (run >= n * (repeatsNeeded(n, this.options) - 1)) {
        // Every block of n tokens covered by the run equals the last block.
        const extraCopies = Math.floor(run / n);
        return { repeated: true, keep: length - extraCopies * n, pattern: history.slice(length - n) };
      }
    }
    return NOT_REPEATED;
  }
}

/**
 * What the decoding loop keeps of `tokens` when the guard is checked after
 * each of them: the tokens up to the first prefix with a repeat, cut back to
 * the first copy of its pattern, or all of them when no prefix repeats.
 *
 * Written literally after the spec's wording (and independent of
 * `RepetitionGuard`), it serves one-shot use and as the guard's reference.
 */
export function truncateRepetition(tokens: readonly number[], options: RepetitionGuardOptions = {}): number[] {
  const resolved = resolveOptions(options);
  for (let length = Math.max(resolved.minTokens, 1); length <= tokens.length; length++) {
    const n = smallestTrailingRepeat(tokens, length, resolved);
    if (n === 0) continue;
    let cursor = length;
    while (cursor >= n && blocksEqual(tokens, cursor - n, length - n, n)) cursor -= n;
    return tokens.slice(0, cursor + n);
  }
  return tokens.slice();
}

/** The smallest repeating pattern length ending `tokens[..length]`, or 0. */
function smallestTrailingRepeat(tokens: readonly number[], length: number, options: ResolvedOptions): number {
  const searchable = Math.min(options.maxPattern, Math.floor(length / 2));
  for (let n = 1; n <= searchable; n++) {
    const reps = repeatsNeeded(n, options);
    if (length < n * reps) continue;
    let copies = 1;
    while (copies < reps && blocksEqual(tokens, length - (copies + 1) * n, length - n, n)) copies++;
    if (copies === reps) return n;
  }
  return 0;
}

function blocksEqual(tokens: readonly number[], a: number, b: number, size: number): boolean {
  for (let i = 0; i < size; i++) {
    if (tokens[a + i] !== tokens[b + i]) return false;
  }
  return true;
}
