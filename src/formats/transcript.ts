/**
 * What a recognition run produces, and the output formats it can be written in.
 * Times are in seconds from the start of the audio.
 */

/** A word (a character, in Chinese) and when it is spoken. */
export interface TranscriptWord {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

export interface TranscriptSegment {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  readonly tokens?: readonly number[];
  /** Mean log-probability of the segment's tokens (and its end-of-text token) under the model. */
  readonly avgLogprob?: number;
  /** A time for each word, where the model gives them (in order, within the segment). */
  readonly words?: readonly TranscriptWord[];
  /** Probability the model gave to ending the text at its first step: "nothing to transcribe here". */
  readonly noSpeechProb?: number;
}

export interface Transcript {
  /** The whole transcript. */
  readonly text: string;
  /** ISO 639-1 code like "zh" or "en": what the caller named or the model reported; null when neither says. */
  readonly language: string | null;
  readonly durationSeconds: number;
  readonly segments: readonly TranscriptSegment[];
  readonly translation?: { readonly language: string; readonly text: string; readonly segments?: readonly TranscriptSegment[] };
  readonly task?: "transcribe" | "translate";
}

export type OutputFormat = "txt" | "json" | "verbose_json" | "srt" | "vtt";

export const OUTPUT_FORMATS: readonly OutputFormat[] = ["txt", "json", "verbose_json", "srt", "vtt"];

/** The file-name ending each format is written with. */
export const OUTPUT_FILE_EXTENSIONS: Readonly<Record<OutputFormat, string>> = {
  txt: ".txt",
  json: ".json",
  verbose_json: ".verbose.json",
  srt: ".srt",
  vtt: ".vtt",
};

export function isOutputFormat(name: string): name is OutputFormat {
  return (OUTPUT_FORMATS as readonly string[]).includes(name);
}
