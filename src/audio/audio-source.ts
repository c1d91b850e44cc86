/**
 * Where audio comes from — a file or a byte stream (stdin) — opened without
 * reading its samples: WAV natively (the header is checked here), anything
 * else through ffmpeg when it is on PATH. Every way the input can be wrong is
 * an AudioError naming it.
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { AudioError } from "../errors";
import { ByteStreamReader } from "./byte-stream";
import { ffmpegWindows, findFfmpeg, sniffContainer } from "./ffmpeg";
import { parseWavHeader, startsWithRiff, type WavFormat } from "./wav";
import { readWavStreamHeader, wavFileWindows, wavStreamWindows, type FrameWindow } from "./wav-windows";

/** Audio bytes arriving over time, e.g. standard input. */
export interface AudioByteStream {
  readonly stream: AsyncIterable<Uint8Array>;
  /** How errors and results name it, e.g. "<stdin>". */
  readonly name: string;
}

export interface AudioSource {
  readonly name: string;
  /** Seconds the WAV header declares; null when only reading to the end tells (ffmpeg, open-length streams). */
  readonly declaredSeconds: number | null;
  /** The decoded windows, in order; reading starts at the first. Call once. */
  windows(signal?: AbortSignal): AsyncGenerator<FrameWindow, void, undefined>;
}

const FIRST_READ_BYTES = 64 * 1024;

function declaredSeconds(format: WavFormat): number | null {
  return format.dataBytes === null ? null : format.dataBytes / format.blockAlign / format.sampleRate;
}

export function needsFfmpeg(name: string, prefix: Uint8Array): AudioError {
  const container = sniffContainer(prefix);
  if (container) {
    return new AudioError(
      "AUDIO_NEEDS_FFMPEG",
      name,
      `${container} audio needs ffmpeg, which is not on PATH; install it (apt-get install ffmpeg / brew install ffmpeg) or convert the file to WAV`,
    );
  }
  return new AudioError("AUDIO_NOT_WAV", name, "not a RIFF/WAVE file (and ffmpeg is not on PATH to try other formats)");
}

/** The size of an audio file that exists, is a file and is not empty. */
export function checkedFileSize(path: string): number {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new AudioError("AUDIO_NOT_FOUND", path, "is a directory, not an audio file");
    size = st.size;
  } catch (e) {
    if (e instanceof AudioError) throw e;
    throw new AudioError("AUDIO_NOT_FOUND", path, "file does not exist or cannot be read");
  }
  if (size === 0) throw new AudioError("AUDIO_EMPTY", path, "file is empty (0 bytes)");
  return size;
}

function readPrefix(path: string, length: number): Uint8Array {
  const fd = openSync(path, "r");
  try {
    const bytes = Buffer.allocUnsafe(length);
    return bytes.subarray(0, readSync(fd, bytes, 0, length, 0));
  } finally {
    closeSync(fd);
  }
}

/** The WAV header of a file, reading more of its start until the data chunk is found. */
function wavFileHeader(path: string, size: number, prefix: Uint8Array): WavFormat {
  for (let bytes = prefix; ; bytes = readPrefix(path, Math.min(size, bytes.length * 4))) {
    const format = parseWavHeader(bytes, path, { totalBytes: size, complete: bytes.length >= size });
    if (format) return format;
  }
}

function openFile(path: string): AudioSource {
  const size = checkedFileSize(path);
  const prefix = readPrefix(path, Math.min(size, FIRST_READ_BYTES));
  // Anything starting with RIFF is a WAV (or a broken one, which the header check reports precisely).
  if (startsWithRiff(prefix)) {
    const format = wavFileHeader(path, size, prefix);
    return { name: path, declaredSeconds: declaredSeconds(format), windows: (signal) => wavFileWindows(path, format, signal) };
  }
  const ffmpeg = findFfmpeg();
  if (!ffmpeg) throw needsFfmpeg(path, prefix);
  return { name: path, declaredSeconds: null, windows: (signal) => ffmpegWindows(ffmpeg, { path }, path, signal) };
}

async function openStream(input: AudioByteStream): Promise<AudioSource> {
  const { name } = input;
  const reader = new ByteStreamReader(input.stream);
  const prefix = await reader.peek(12);
  if (prefix.length === 0) throw new AudioError("AUDIO_EMPTY", name, "is empty (0 bytes)");
  if (startsWithRiff(prefix)) {
    const format = await readWavStreamHeader(reader, name);
    return { name, declaredSeconds: declaredSeconds(format), windows: (signal) => wavStreamWindows(reader, format, name, signal) };
  }
  const ffmpeg = findFfmpeg();
  if (!ffmpeg) throw needsFfmpeg(name, prefix);
  return { name, declaredSeconds: null, windows: (signal) => ffmpegWindows(ffmpeg, { stream: reader }, name, signal) };
}

/** Opens a file path or a byte stream; nothing but the start of it is read. */
export function openAudioSource(input: string | AudioByteStream): Promise<AudioSource> {
  return typeof input === "string" ? Promise.resolve().then(() => openFile(input)) : openStream(input);
}
