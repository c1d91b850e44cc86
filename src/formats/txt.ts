/** Plain text: the transcript, then the translation after a blank line. */
import type { Transcript } from "./transcript";

export function formatTxt(transcript: Transcript): string {
  const parts = [transcript.text.trim()];
  if (transcript.translation) parts.push(transcript.translation.text.trim());
  return `${parts.join("\n\n")}\n`;
}
