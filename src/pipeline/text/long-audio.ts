/**
 * Joining the transcripts of consecutive audio segments into one text
 * overlap trimming between neighbours and one pass removing blocks
 * that were transcribed twice in a row (the joint itself: script-join.ts).
 * Lengths and positions count Unicode code points.
 */

const OVERLAP_MIN = 5;
const OVERLAP_MAX = 100;

/**
 * `cur` without the longest L in [5, min(100, |prev|, |cur|)] code points
 * that end `prev` and also start `cur` (the audio both segments share);
 * `cur` unchanged when no such L exists.
 */
export function trimOverlap(prev: string, cur: string): string {
  const previous = Array.from(prev);
  const current = Array.from(cur);
  const longest = Math.min(OVERLAP_MAX, previous.length, current.length);
  for (let length = longest; length >= OVERLAP_MIN; length--) {
    const offset = previous.length - length;
    let same = true;
    for (let i = 0; i < length && same; i++) same = previous[offset + i] === current[i];
    if (same) return current.slice(length).join("");
  }
  return cur;
}

const IGNORED_WHEN_FUZZY = /^[\p{P}\s]$/u;

export interface RepeatedBlockOptions {
  /** Shortest block removed, in code points (upstream: 30). */
  readonly window?: number;
  /**
   * Compare with punctuation (Unicode P) and whitespace stripped, with a
   * window half as long (upstream: 15), so that copies differing only in
   * punctuation or spacing count as the same.
   */
  readonly fuzzy?: boolean;
}

/**
 * Removes blocks that immediately repeat the block before them, keeping the
 * first copy. The exact rule:
 *
 * - The compared units are the text's code points; with `fuzzy`, only those
 *   that are neither punctuation nor whitespace, and the window is
 *   ⌊window/2⌋.
 * - Scanning positions p from left to right, a repeat at p is the smallest
 *   L ≥ window such that units [p, p+L) equal units [p−L, p). Comparison is
 *   always against the original text, never against the text with earlier
 *   removals applied.
 * - On a repeat, the second copy [p, p+L) is removed and the scan resumes at
 *   p+L, so three or more copies in a row collapse into one. Otherwise the
 *   scan moves to p+1.
 * - In the text, what is removed runs from just after the first copy's last
 *   unit up to and including the second copy's last unit. With `fuzzy`,
 *   this means the punctuation and spaces between the copies go, while the
 *   punctuation after the second copy stays: `A，A。B` → `A。B`. Without
 *   `fuzzy`, it is exactly the second copy.
 *
 * A block repeated with something in between is not touched, and neither is a
 * repeat shorter than the window. (Upstream OminiX instead removes any
 * ≥ window-long run found anywhere earlier, adjacent or not, and only in texts
 * of 60 code points or more; adjacency keeps a speaker's genuine refrain.)
 */
export function removeRepeatedBlocks(text: string, options: RepeatedBlockOptions = {}): string {
  const baseWindow = options.window ?? 30;
  if (!Number.isInteger(baseWindow) || baseWindow < 2) {
    throw new RangeError(`removeRepeatedBlocks: window must be an integer ≥ 2, got ${baseWindow}`);
  }
  const chars = Array.from(text);
  const origin: number[] = [];
  const units: string[] = [];
  chars.forEach((char, index) => {
    if (options.fuzzy && IGNORED_WHEN_FUZZY.test(char)) return;
    origin.push(index);
    units.push(char);
  });
  const window = options.fuzzy ? Math.floor(baseWindow / 2) : baseWindow;

  const removed = findRepeatedCopies(units, window);
  if (removed.length === 0) return text;
  let result = "";
  let next = 0;
  for (const copy of removed) {
    const from = origin[copy.start - 1]! + 1;
    result += chars.slice(next, from).join("");
    next = origin[copy.end - 1]! + 1;
  }
  return result + chars.slice(next).join("");
}

interface UnitRange {
  readonly start: number;
  readonly end: number;
}

/** The second copies, in order and disjoint, per the rule of `removeRepeatedBlocks`. */
function findRepeatedCopies(units: readonly string[], window: number): UnitRange[] {
  const total = units.length;
  if (total < 2 * window) return [];
  // Where each window-long run of units starts, ascending: candidate first copies.
  const windowKeys: string[] = [];
  const startsByWindow = new Map<string, number[]>();
  for (let position = 0; position + window <= total; position++) {
    const key = units.slice(position, position + window).join("");
    windowKeys.push(key);
    const starts = startsByWindow.get(key);
    if (starts) starts.push(position);
    else startsByWindow.set(key, [position]);
  }

  const copies: UnitRange[] = [];
  let position = window;
  while (position + window <= total) {
    const length = shortestRepeatAt(units, position, window, startsByWindow.get(windowKeys[position]!)!);
    if (length > 0) {
      copies.push({ start: position, end: position + length });
      position += length;
    } else {
      position++;
    }
  }
  return copies;
}

/** The smallest L ≥ window with units[p, p+L) = units[p−L, p), or 0. */
function shortestRepeatAt(units: readonly string[], position: number, window: number, sameWindowStarts: readonly number[]): number {
  const latestStart = position - window;
  const earliestStart = 2 * position - units.length;
  // The candidate first copies start at q = p − L, so descending q is ascending L.
  for (let i = lastIndexAtMost(sameWindowStarts, latestStart); i >= 0; i--) {
    const start = sameWindowStarts[i]!;
    if (start < earliestStart) break;
    const length = position - start;
    let offset = window;
    while (offset < length && units[start + offset] === units[position + offset]) offset++;
    if (offset === length) return length;
  }
  return 0;
}

function lastIndexAtMost(sorted: readonly number[], limit: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]! <= limit) low = middle + 1;
    else high = middle;
  }
  return low - 1;
}
