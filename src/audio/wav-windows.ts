/**
 * WAV samples read window by window — from a file by positioned reads after its
 * header, or from a stream as it arrives — so that audio of any length is held
 * one window at a time.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { AudioError, CancelledError } from "../errors";
import type { Tensor } from "../engine/mlx";
import type { ByteStreamReader } from "./byte-stream";
import { decodeSamples } from "./sample-decode";
import { parseWavHeader, type WavFormat } from "./wav";

/** Frames decoded at once: 4 s at 16 kHz, 1.5 s at 44.1 kHz; 4 MB for 8 channels of float64. */
export const WINDOW_FRAMES = 1 << 16;

/** One decoded window and the format it came in. */
export interface FrameWindow {
  /** `[n, channels]` float32 in [-1, 1]. */
  readonly frames: Tensor;
  readonly sampleRate: number;
  readonly channels: number;
}

function cancelled(file: string): CancelledError {
  return new CancelledError("CANCELLED", file, "cancelled while reading the audio");
}

/** The samples of a WAV file whose header was parsed, `WINDOW_FRAMES` at a time. */
export async function* wavFileWindows(path: string, format: WavFormat, signal?: AbortSignal): AsyncGenerator<FrameWindow, void, undefined> {
  const fd = openSync(path, "r");
  try {
    const step = WINDOW_FRAMES * format.blockAlign;
    const end = format.dataOffset + format.dataBytes!;
    for (let offset = format.dataOffset; offset < end; offset += step) {
      if (signal?.aborted) throw cancelled(path);
      const bytes = Buffer.allocUnsafe(Math.min(step, end - offset));
      const got = readSync(fd, bytes, 0, bytes.length, offset);
      if (got < bytes.length) throw new AudioError("AUDIO_TRUNCATED", path, `ended after ${offset + got - format.dataOffset} of ${format.dataBytes} data bytes (shortened while it was read?)`);
      yield { frames: decodeSamples(bytes, format), sampleRate: format.sampleRate, channels: format.channels };
    }
  } finally {
    closeSync(fd);
  }
}

/** Reads a WAV header from the start of a stream; throws AudioError when the stream is not a valid WAV. */
export async function readWavStreamHeader(reader: ByteStreamReader, name: string): Promise<WavFormat> {
  for (let want = 4096; ; want *= 2) {
    const prefix = await reader.peek(want);
    const complete = prefix.length < want;
    const format = parseWavHeader(prefix, name, { totalBytes: null, complete });
    if (format) {
      await reader.read(format.dataOffset);
      return format;
    }
    if (complete) throw new AudioError("AUDIO_TRUNCATED", name, "ended before its WAV header did");
  }
}

/** The samples that follow a stream's WAV header, until the declared length or the end of the stream. */
export async function* wavStreamWindows(reader: ByteStreamReader, format: WavFormat, name: string, signal?: AbortSignal): AsyncGenerator<FrameWindow, void, undefined> {
  const step = WINDOW_FRAMES * format.blockAlign;
  let left = format.dataBytes ?? Number.POSITIVE_INFINITY;
  while (left > 0) {
    if (signal?.aborted) throw cancelled(name);
    const want = Math.min(step, left);
    const bytes = await reader.read(want);
    if (bytes.length === 0) break;
    left -= bytes.length;
    yield { frames: decodeSamples(bytes, format), sampleRate: format.sampleRate, channels: format.channels };
    if (bytes.length < want) break;
  }
  if (format.dataBytes !== null && left > 0) {
    throw new AudioError("AUDIO_TRUNCATED", name, `data chunk declares ${format.dataBytes} bytes but the stream ended after ${format.dataBytes - left}`);
  }
}
