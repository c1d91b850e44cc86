/** The cues subtitles are written from: one per segment that has text. */
import { joinTexts } from "../pipeline/text/script-join";
import { groupTranslationsByOriginal } from "./bilingual";
import type { Transcript } from "./transcript";

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
