/**
 * The cues subtitles are written from: one per segment that has text, or, where a
 * segment's words are timed (and no translation is shown under it), one per line's
 * worth of words.
 */
import { joinTexts } from "../pipeline/text/script-join";
import { groupTranslationsByOriginal } from "./bilingual";
import type { Transcript } from "./transcript";
import { wordCues } from "./word-cues";

export interface Cue {
  readonly start: number;
  readonly end: number;
  /** Trimmed, never empty: an empty line would end the cue early. */
  readonly lines: readonly string[];
}

export interface CueOptions {
  /** Add the translation under the original text when the transcript has translation segments. */
  readonly bilingual?: boolean;
}

export function transcriptCues(transcript: Transcript, options: CueOptions = {}): Cue[] {
  const translationSegments = options.bilingual ? transcript.translation?.segments : undefined;
  const translations = translationSegments ? groupTranslationsByOriginal(transcript.segments, translationSegments) : undefined;
  const cues: Cue[] = [];
  transcript.segments.forEach((segment, index) => {
    if (!translations && segment.words?.length) {
      for (const cue of wordCues(segment.words)) {
        const lines = textLines(cue.text);
        if (lines.length > 0) cues.push({ start: cue.start, end: Math.max(cue.start, cue.end), lines });
      }
      return;
    }
    const translationText = joinTexts((translations?.[index] ?? []).map((s) => s.text));
    const lines = [...textLines(segment.text), ...textLines(translationText)];
    if (lines.length > 0) cues.push({ start: segment.start, end: Math.max(segment.start, segment.end), lines });
  });
  return cues;
}

/** The non-empty lines of a text, each trimmed. */
export function textLines(text: string): string[] {
  return text
    .split(/\r\n|\r|\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "");
}
