/**
 * Audio that arrives while it is recorded — standard input (a WAV stream, or raw
 * 16-bit PCM) or a microphone captured by ffmpeg — as blocks of mono samples in
 * the order they come, each as soon as it has come.
 */
import { AudioError } from "../../errors";
import { toFloat32Array } from "../../engine/transfer";
import type { ByteStreamReader } from "../byte-stream";
import { toMono } from "../load";
import { decodeSamples } from "../sample-decode";
import { readWavStreamHeader } from "../wav-windows";
import { startsWithRiff, type WavFormat } from "../wav";

export interface SampleBlock {
  /** Mono samples in [-1, 1]. */
  readonly samples: Float32Array;
  readonly sampleRate: number;
}

export interface LiveAudioSource {
  /** How errors name it, e.g. "<stdin>" or "microphone". */
  readonly name: string;
  /** The blocks as they arrive, until the input ends or `signal` aborts (then it ends at once). Call once. */
  blocks(signal?: AbortSignal): AsyncGenerator<SampleBlock, void, undefined>;
  /** Lets the input go (a child process stopped, a pipe released). */
  close(): Promise<void>;
}

/** Raw input: signed 16-bit little-endian PCM, mono, 16 kHz. */
export const RAW_FORMAT: Pick<WavFormat, "encoding" | "bitsPerSample" | "channels" | "sampleRate" | "blockAlign"> = {
  encoding: "pcm",
  bitsPerSample: 16,
  channels: 1,
  sampleRate: 16000,
  blockAlign: 2,
};

/** Most bytes decoded at once (about 0.5 s of 16 kHz mono 16-bit). */
const BLOCK_BYTES = 16 * 1024;

/** The bytes a `signal` abort ends early (an empty read). */
function untilAborted(read: Promise<Uint8Array>, signal?: AbortSignal): Promise<Uint8Array> {
  if (!signal) return read;
  if (signal.aborted) return Promise.resolve(new Uint8Array(0));
  return new Promise((resolve, reject) => {
    const stop = () => resolve(new Uint8Array(0));
    signal.addEventListener("abort", stop, { once: true });
    read.then(
      (bytes) => {
        signal.removeEventListener("abort", stop);
        resolve(bytes);
      },
      (e) => {
        signal.removeEventListener("abort", stop);
        reject(e);
      },
    );
  });
}

/**
 * Sample blocks of a byte stream in `format`, each decoded as soon as whole frames
 * have arrived; a declared data length ends it (a WAV stream of known length).
 */
async function* sampleBlocks(reader: ByteStreamReader, format: typeof RAW_FORMAT, name: string, dataBytes: number | null, signal?: AbortSignal): AsyncGenerator<SampleBlock, void, undefined> {
  let left = dataBytes ?? Number.POSITIVE_INFINITY;
  let pending = new Uint8Array(0);
  while (left > 0) {
    const bytes = await untilAborted(reader.readSome(Math.min(BLOCK_BYTES, left)), signal);
    if (bytes.length === 0) break;
    left -= bytes.length;
    const joined = pending.length ? Buffer.concat([pending, bytes]) : bytes;
    const whole = joined.length - (joined.length % format.blockAlign);
    pending = joined.slice(whole);
    if (whole === 0) continue;
    const mono = toMono(decodeSamples(joined.subarray(0, whole), format), name);
    yield { samples: toFloat32Array(mono), sampleRate: format.sampleRate };
  }
}

/**
 * A byte stream as live audio: a WAV stream (its header read first; any length,
 * also the open length of a recorder's pipe) or, with `raw`, bare 16 kHz mono
 * s16le samples.
 */
export function streamSource(reader: ByteStreamReader, name: string, options: { raw?: boolean; close?: () => Promise<void> | void } = {}): LiveAudioSource {
  return {
    name,
    async *blocks(signal) {
      if (options.raw) {
        yield* sampleBlocks(reader, RAW_FORMAT, name, null, signal);
        return;
      }
      const prefix = await untilAborted(reader.peek(12), signal);
      if (prefix.length === 0) return;
      if (!startsWithRiff(prefix)) throw new AudioError("AUDIO_NOT_WAV", name, "is not a WAV stream; give --raw for bare 16 kHz mono s16le samples");
      const format = await readWavStreamHeader(reader, name);
      yield* sampleBlocks(reader, format, name, format.dataBytes, signal);
    },
    async close() {
      await options.close?.();
      await reader.close();
    },
  };
}
