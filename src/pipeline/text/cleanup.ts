/**
 * The post-processing passes of a decoded transcript (spec §4.7), each a pure
 * `(text) => text`, and their composition in the spec's order. Lengths and
 * positions count Unicode code points, never UTF-16 units.
 */
import { HALLUCINATION_MARKERS, LEAKED_INSTRUCTIONS, META_COMMENTARY_PHRASES } from "./markers";

const THINK_OPEN = "<think>";
const THINK_CLOSE = "</think>";

/** Punctuation that ends a sentence, for hallucination excision. */
const SENTENCE_ENDS = new Set(["。", "！", "？", ".", "!", "?"]);
/** Meta-commentary splits sentences on these and also on line breaks. */
const META_SENTENCE_ENDS = new Set([...SENTENCE_ENDS, "\n"]);

const TEXT_REPETITION_MIN_LENGTH = 40;
const TEXT_REPETITION_MIN_COMMON = 20;
const TEXT_REPETITION_MIN_SHARE = 0.8;

/** 1. Drops a thinking block: what follows `</think>`, or the text after a leading `<think>`, trimmed. */
export function stripThinkBlock(text: string): string {
  const close = text.indexOf(THINK_CLOSE);
  if (close >= 0) return text.slice(close + THINK_CLOSE.length).trim();
  if (text.startsWith(THINK_OPEN)) return text.slice(THINK_OPEN.length).trim();
  return text;
}

/**
 * 2. When the trimmed text (≥ 40 code points) continues, from some `start` in
 * [⌊len/3⌋, ⌊2·len/3⌋], by repeating its own beginning (a common prefix c ≥ 20
 * covering more than 80% of the rest), keeps only the part before `start`.
 * The earliest such `start` wins. Always returns trimmed text.
 */
export function removeTextRepetition(text: string): string {
  const trimmed = text.trim();
  const chars = Array.from(trimmed);
  const length = chars.length;
  if (length < TEXT_REPETITION_MIN_LENGTH) return trimmed;
  for (let start = Math.floor(length / 3); start <= Math.floor((2 * length) / 3); start++) {
    const rest = length - start;
    let common = 0;
    while (common < rest && chars[start + common] === chars[common]) common++;
    if (common >= TEXT_REPETITION_MIN_COMMON && common / rest > TEXT_REPETITION_MIN_SHARE) {
      return chars.slice(0, start).join("").trim();
    }
  }
  return trimmed;
}

/** 3. Deletes every occurrence of our own prompt suffix, longest form first, and trims. */
export function stripLeakedInstructions(text: string): string {
  let result = text;
  for (const instruction of LEAKED_INSTRUCTIONS) result = result.replaceAll(instruction, "");
  return result.trim();
}

/**
 * 4. Cuts assistant-style hallucination: "" when the trimmed text opens with a
 * marker; otherwise everything after the first sentence end (`。！？.!?`)
 * whose following text, leading whitespace skipped, opens with a marker.
 * Always returns trimmed text.
 */
export function exciseHallucinations(text: string): string {
  const trimmed = text.trim();
  if (startsWithMarker(trimmed, 0)) return "";
  const nonSpace = /\S/g;
  // The sentence ends are single UTF-16 units, so UTF-16 indices cut between code points.
  for (let i = 0; i < trimmed.length - 1; i++) {
    if (!SENTENCE_ENDS.has(trimmed[i]!)) continue;
    nonSpace.lastIndex = i + 1;
    const next = nonSpace.exec(trimmed);
    if (next && startsWithMarker(trimmed, next.index)) return trimmed.slice(0, i + 1).trim();
  }
  return trimmed;
}

function startsWithMarker(text: string, position: number): boolean {
  return HALLUCINATION_MARKERS.some((marker) => text.startsWith(marker, position));
}

/**
 * 5. Splits the text into sentences, each ending with one of `。！？.!?` or a
 * line break (plus the unterminated remainder), drops those containing a
 * meta-commentary phrase, rejoins the others unchanged and trims.
 */
export function removeMetaCommentary(text: string): string {
  let kept = "";
  let sentence = "";
  const flush = (): void => {
    if (!META_COMMENTARY_PHRASES.some((phrase) => sentence.includes(phrase))) kept += sentence;
    sentence = "";
  };
  for (const char of text) {
    sentence += char;
    if (META_SENTENCE_ENDS.has(char)) flush();
  }
  if (sentence) flush();
  return kept.trim();
}

/** Which passes `cleanTranscript` runs; every one is on unless set to false. */
export interface CleanupOptions {
  readonly thinkBlock?: boolean;
  readonly textRepetition?: boolean;
  readonly leakedInstructions?: boolean;
  readonly hallucinations?: boolean;
  readonly metaCommentary?: boolean;
}

const PASSES: readonly [keyof CleanupOptions, (text: string) => string][] = [
  ["thinkBlock", stripThinkBlock],
  ["textRepetition", removeTextRepetition],
  ["leakedInstructions", stripLeakedInstructions],
  ["hallucinations", exciseHallucinations],
  ["metaCommentary", removeMetaCommentary],
];

/** Passes 1–5 of §4.7 in order (punctuation restoration, pass 6, is not part of this). */
export function cleanTranscript(text: string, options: CleanupOptions = {}): string {
  return PASSES.reduce((current, [name, pass]) => (options[name] === false ? current : pass(current)), text);
}
