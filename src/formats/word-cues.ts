/**
 * Subtitle cues cut on word times: a segment whose words are timed becomes
 * several short cues, each as long as a subtitle line should be. A cue ends before
 * the word that would make it wider than a line, longer than a cue should stay on
 * screen, or that follows a pause.
 */
import type { TranscriptWord } from "./transcript";

/** Columns of one subtitle line (CJK characters take two). */
export const MAX_CUE_COLUMNS = 42;
export const MAX_CUE_SECONDS = 7;
/** A silence at least this long between two words starts a new cue. */
export const CUE_PAUSE_SECONDS = 0.5;

/** East Asian wide characters: Hangul Jamo, CJK symbols and ideographs, kana, Hangul syllables, fullwidth forms. */
const WIDE = /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u;

function columns(text: string): number {
  let n = 0;
  for (const ch of text) n += WIDE.test(ch) ? 2 : 1;
  return n;
}

/** Words as a line of text: a space only between two words written with spaces (neither side CJK). */
export function joinWords(words: readonly string[]): string {
  let text = "";
  for (const word of words) {
    const spaced = text !== "" && !WIDE.test(text.at(-1)!) && !WIDE.test([...word][0] ?? "");
    text += spaced ? ` ${word}` : word;
  }
  return text;
}

export interface WordCue {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

export function wordCues(words: readonly TranscriptWord[]): WordCue[] {
  const cues: WordCue[] = [];
  let current: TranscriptWord[] = [];
  const flush = () => {
    if (current.length) cues.push({ start: current[0]!.start, end: current.at(-1)!.end, text: joinWords(current.map((w) => w.text)) });
    current = [];
  };
  for (const word of words) {
    const last = current.at(-1);
    if (last) {
      const wider = columns(joinWords([...current, word].map((w) => w.text))) > MAX_CUE_COLUMNS;
      const longer = word.end - current[0]!.start > MAX_CUE_SECONDS;
      const pause = word.start - last.end >= CUE_PAUSE_SECONDS;
      if (wider || longer || pause) flush();
    }
    current.push(word);
  }
  flush();
  return cues;
}
