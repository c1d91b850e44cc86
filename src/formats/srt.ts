/** SubRip subtitles, numbered from 1, as whisper.cpp and OpenAI write them. */
import { type CueOptions, transcriptCues } from "./cues";
import { formatTimestamp } from "./timestamps";
import type { Transcript } from "./transcript";

export function formatSrt(transcript: Transcript, options: CueOptions = {}): string {
  return transcriptCues(transcript, options)
    .map((cue, index) => {
      const timing = `${formatTimestamp(cue.start, "srt")} --> ${formatTimestamp(cue.end, "srt")}`;
      return `${index + 1}\n${timing}\n${cue.lines.map(breakTimingArrow).join("\n")}\n`;
    })
    .join("\n");
}

/** SubRip has no escapes, and readers take any line with `-->` for a timing line. */
function breakTimingArrow(line: string): string {
  return line.replace(/--+>/g, "->");
}
