/**
 * OpenAI's response shapes: `json` is `{"text"}`, `verbose_json` adds the task,
 * language name, duration and per-segment decoding details.
 */
import { compressionRatio } from "./compression-ratio";
import { languageName } from "./language-names";
import type { Transcript, TranscriptSegment } from "./transcript";

export interface SimpleJson {
  readonly text: string;
  readonly translation?: { readonly language: string; readonly text: string };
}

export interface VerboseJsonSegment {
  readonly id: number;
  /** The 10 ms frame the segment starts in. */
  readonly seek: number;
  readonly start: number;
  readonly end: number;
  readonly text: string;
  /** Empty when the producer did not record the token ids. */
  readonly tokens: readonly number[];
  readonly temperature: number;
  /** Absent when the producer has no honest value (e.g. a translation has no speech to miss). */
  readonly avg_logprob?: number;
  readonly compression_ratio: number;
  readonly no_speech_prob?: number;
}

/** OpenAI's word entry (`timestamp_granularities[]=word`). */
export interface VerboseJsonWord {
  readonly word: string;
  readonly start: number;
  readonly end: number;
}

export interface VerboseJson {
  readonly task: "transcribe" | "translate";
  /** A full lower-case name like "chinese", as OpenAI reports it; null when the language is not known. */
  readonly language: string | null;
  readonly duration: number;
  readonly text: string;
  readonly segments: readonly VerboseJsonSegment[];
  /** Every timed word of the transcript, when the model times words. */
  readonly words?: readonly VerboseJsonWord[];
  readonly translation?: { readonly language: string; readonly text: string; readonly segments?: readonly VerboseJsonSegment[] };
}

export interface VerboseJsonOptions {
  /** The sampling temperature the text was decoded at. */
  readonly temperature?: number;
  /** Include `words` when the transcript has word times (default true). */
  readonly words?: boolean;
}

export function toSimpleJson(transcript: Transcript): SimpleJson {
  const { translation } = transcript;
  return {
    text: transcript.text,
    ...(translation && { translation: { language: translation.language, text: translation.text } }),
  };
}

export function toVerboseJson(transcript: Transcript, options: VerboseJsonOptions = {}): VerboseJson {
  const temperature = options.temperature ?? 0;
  const { translation } = transcript;
  return {
    task: transcript.task ?? "transcribe",
    language: transcript.language === null ? null : languageName(transcript.language),
    duration: transcript.durationSeconds,
    text: transcript.text,
    segments: verboseSegments(transcript.segments, temperature),
    ...((options.words ?? true) && timedWords(transcript)),
    ...(translation && {
      translation: {
        language: languageName(translation.language),
        text: translation.text,
        ...(translation.segments && { segments: verboseSegments(translation.segments, temperature) }),
      },
    }),
  };
}

export function formatJson(transcript: Transcript): string {
  return `${JSON.stringify(toSimpleJson(transcript), null, 2)}\n`;
}

export function formatVerboseJson(transcript: Transcript, options: VerboseJsonOptions = {}): string {
  return `${JSON.stringify(toVerboseJson(transcript, options), null, 2)}\n`;
}

function timedWords(transcript: Transcript): { words?: VerboseJsonWord[] } {
  const words = transcript.segments.flatMap((s) => s.words ?? []);
  return words.length ? { words: words.map((w) => ({ word: w.text, start: w.start, end: w.end })) } : {};
}

function verboseSegments(segments: readonly TranscriptSegment[], temperature: number): VerboseJsonSegment[] {
  return segments.map((segment, id) => ({
    id,
    // Milliseconds first, so float noise (0.29 * 100 = 28.999…) cannot move the frame.
    seek: Math.floor(Math.round(segment.start * 1000) / 10),
    start: segment.start,
    end: segment.end,
    text: segment.text,
    tokens: segment.tokens ?? [],
    temperature,
    ...(segment.avgLogprob !== undefined && { avg_logprob: segment.avgLogprob }),
    compression_ratio: compressionRatio(segment.text),
    ...(segment.noSpeechProb !== undefined && { no_speech_prob: segment.noSpeechProb }),
  }));
}
