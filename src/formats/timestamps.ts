/** Subtitle timestamps: `HH:MM:SS,mmm` in SubRip, `HH:MM:SS.mmm` in WebVTT. */

export type TimestampStyle = "srt" | "vtt";

const MS_PER_SECOND = 1000;
const MS_PER_MINUTE = 60 * MS_PER_SECOND;
const MS_PER_HOUR = 60 * MS_PER_MINUTE;

/**
 * Rounds to the nearest millisecond first and splits the integer afterwards,
 * so 1.9996 s carries into 00:00:02,000. Hours keep all their digits past 99.
 */
export function formatTimestamp(seconds: number, style: TimestampStyle): string {
  const totalMs = Math.round(seconds * MS_PER_SECOND);
  if (!Number.isFinite(totalMs) || totalMs < 0) {
    throw new RangeError(`cannot write a subtitle timestamp for ${seconds} s`);
  }
  const hours = Math.floor(totalMs / MS_PER_HOUR);
  const minutes = Math.floor((totalMs % MS_PER_HOUR) / MS_PER_MINUTE);
  const wholeSeconds = Math.floor((totalMs % MS_PER_MINUTE) / MS_PER_SECOND);
  const ms = totalMs % MS_PER_SECOND;
  const separator = style === "srt" ? "," : ".";
  return `${pad(hours, 2)}:${pad(minutes, 2)}:${pad(wholeSeconds, 2)}${separator}${pad(ms, 3)}`;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, "0");
}
