/**
 * Joining pieces of text (segment transcripts, streamed segments, translations)
 * by the script at the joint: Chinese and Japanese are written without spaces
 * between words, so no space goes next to a Han or kana character or CJK
 * punctuation; between anything else (Latin, Cyrillic, Greek, Hangul, digits,
 * ASCII punctuation) one space.
 */

/** Han, kana (with the prolonged sound mark), CJK symbols and punctuation, half- and full-width forms. */
const WRITTEN_WITHOUT_SPACES = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u3000-\u303f\u30fc\uff00-\uffef]/u;

function lastCodePoint(text: string): string {
  const trimmed = text.trimEnd();
  if (!trimmed) return "";
  const code = trimmed.codePointAt(trimmed.length - 1)!;
  // A low surrogate: the character is the pair ending here.
  return code >= 0xdc00 && code <= 0xdfff && trimmed.length >= 2 ? trimmed.slice(-2) : trimmed.slice(-1);
}

function firstCodePoint(text: string): string {
  const trimmed = text.trimStart();
  return trimmed ? String.fromCodePoint(trimmed.codePointAt(0)!) : "";
}

/** "" when either side of the joint is written without spaces (or empty), " " otherwise. */
export function separatorBetween(left: string, right: string): string {
  const last = lastCodePoint(left);
  const first = firstCodePoint(right);
  if (!last || !first) return "";
  return WRITTEN_WITHOUT_SPACES.test(last) || WRITTEN_WITHOUT_SPACES.test(first) ? "" : " ";
}

/** The pieces, each trimmed, empty ones skipped, joined by the script at each joint (never two spaces). */
export function joinTexts(pieces: readonly string[]): string {
  let text = "";
  for (const piece of pieces) {
    const trimmed = piece.trim();
    if (trimmed) text += separatorBetween(text, trimmed) + trimmed;
  }
  return text;
}
