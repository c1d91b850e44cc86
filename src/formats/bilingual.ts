/** Pairs translation segments with the original segments they translate, by time. */
import type { TranscriptSegment } from "./transcript";

/**
 * For each original segment, the translation segments that belong to it: each
 * translation segment goes to the original it overlaps longest, or, overlapping
 * none, to the nearest one (ties go to the earlier original). Identical timings
 * therefore pair one to one, and no translation segment is dropped.
 */
export function groupTranslationsByOriginal(
  originals: readonly TranscriptSegment[],
  translations: readonly TranscriptSegment[],
): TranscriptSegment[][] {
  const groups: TranscriptSegment[][] = originals.map(() => []);
  if (originals.length === 0) return groups;
  for (const translation of translations) {
    groups[closestOriginalIndex(originals, translation)]!.push(translation);
  }
  return groups;
}

function closestOriginalIndex(originals: readonly TranscriptSegment[], translation: TranscriptSegment): number {
  let bestIndex = 0;
  let bestOverlap = -Infinity;
  originals.forEach((original, index) => {
    // Positive: seconds of overlap; negative: the gap between the two.
    const overlap = Math.min(original.end, translation.end) - Math.max(original.start, translation.start);
    if (overlap > bestOverlap) {
      bestOverlap = overlap;
      bestIndex = index;
    }
  });
  return bestIndex;
}
