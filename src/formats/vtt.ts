/** WebVTT subtitles (https://www.w3.org/TR/webvtt1/). */
import { type CueOptions, transcriptCues } from "./cues";
import { formatTimestamp } from "./timestamps";
import type { Transcript } from "./transcript";

export function formatVtt(transcript: Transcript, options: CueOptions = {}): string {
  const cues = transcriptCues(transcript, options).map((cue) => {
    const timing = `${formatTimestamp(cue.start, "vtt")} --> ${formatTimestamp(cue.end, "vtt")}`;
    return `${timing}\n${cue.lines.map(escapeCueText).join("\n")}\n`;
  });
  return ["WEBVTT\n", ...cues].join("\n");
}

/**
 * WebVTT cue text is markup: `<` opens a tag and `&` a character reference.
 * Escaping `>` as well keeps `-->` out of the cue.
 */
function escapeCueText(line: string): string {
  return line.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
