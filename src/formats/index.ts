/** Writes a transcript in any output format. */
import { UsageError } from "../errors";
import { formatJson, formatVerboseJson } from "./json";
import { formatSrt } from "./srt";
import { OUTPUT_FORMATS, type OutputFormat, type Transcript } from "./transcript";
import { formatTxt } from "./txt";
import { formatVtt } from "./vtt";

export interface FormatOptions {
  /** Subtitles only: the translation line under the original line in each cue. */
  readonly bilingual?: boolean;
  /** verbose_json only: the sampling temperature the text was decoded at (default 0). */
  readonly temperature?: number;
}

export function formatTranscript(transcript: Transcript, format: OutputFormat, options: FormatOptions = {}): string {
  switch (format) {
    case "txt":
      return formatTxt(transcript);
    case "json":
      return formatJson(transcript);
    case "verbose_json":
      return formatVerboseJson(transcript, options);
    case "srt":
      return formatSrt(transcript, options);
    case "vtt":
      return formatVtt(transcript, options);
    default: {
      const unknown: never = format;
      throw new UsageError("UNKNOWN_OUTPUT_FORMAT", "format", `unknown output format "${String(unknown)}" (expected one of ${OUTPUT_FORMATS.join(", ")})`);
    }
  }
}

export type { OutputFormat, Transcript, TranscriptSegment } from "./transcript";
export { OUTPUT_FILE_EXTENSIONS, OUTPUT_FORMATS, isOutputFormat } from "./transcript";
