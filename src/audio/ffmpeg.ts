/**
 * Containers other than WAV (mp3, flac, ogg, m4a, webm, …) are decoded by the
 * `ffmpeg` program when it is on PATH: it writes a float WAV at the native rate
 * and channel count, which then goes through our own WAV path (downmix and the
 * reference resampler stay ours).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { existsSync } from "node:fs";
import { AudioError } from "../errors";
import { decodeWav, type DecodedAudio } from "./wav";

/** Magic numbers of containers people pass to an ASR tool, for the error when ffmpeg is missing. */
export function sniffContainer(bytes: Uint8Array): string | null {
  const ascii = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  if (ascii(0, 3) === "ID3" || (bytes[0] === 0xff && ((bytes[1] ?? 0) & 0xe0) === 0xe0)) return "MP3";
  if (ascii(0, 4) === "fLaC") return "FLAC";
  if (ascii(0, 4) === "OggS") return "Ogg";
  if (ascii(4, 8) === "ftyp") return "MP4/M4A";
  if (bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3) return "WebM/Matroska";
  if (ascii(0, 4) === "FORM") return "AIFF";
  if (ascii(0, 4) === "caff") return "CAF";
  return null;
}

export function findFfmpeg(): string | null {
  const override = process.env.MLX_ASR_FFMPEG;
  if (override) return existsSync(override) ? override : null;
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, process.platform === "win32" ? "ffmpeg.exe" : "ffmpeg");
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

export function decodeWithFfmpeg(ffmpeg: string, file: string): DecodedAudio {
  const dir = mkdtempSync(join(tmpdir(), "mlx-asr-ffmpeg-"));
  const out = join(dir, "decoded.wav");
  try {
    const result = spawnSync(
      ffmpeg,
      ["-nostdin", "-hide_banner", "-loglevel", "error", "-i", file, "-vn", "-map", "0:a:0", "-acodec", "pcm_f32le", "-f", "wav", out],
      { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 },
    );
    if (result.error) throw new AudioError("AUDIO_DECODE_FAILED", file, `ffmpeg could not be run (${result.error.message})`);
    if (result.status !== 0 || !existsSync(out)) {
      const lastLine = (result.stderr ?? "").trim().split("\n").pop() || `exit status ${result.status}`;
      throw new AudioError("AUDIO_DECODE_FAILED", file, `ffmpeg cannot decode it: ${lastLine}`);
    }
    return decodeWav(readFileSync(out), file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
