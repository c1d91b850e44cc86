/**
 * Every kind of audio input the Transcriber takes, as pieces to decode one at a
 * time: files and byte streams are read and cut as they arrive (memory holds a
 * piece and its look-ahead, never the whole input); in-memory samples are cut
 * as they are.
 */
import type { AudioByteStream } from "./audio-source";
import { openAudio, type OpenedAudio } from "./audio-stream";
import { waveformFromSamples, type Waveform } from "./load";
import { segmentAudio, segmentStream, type AudioSegment } from "./segment";

/** A file path, 16 kHz mono samples, samples at any rate (one array per channel allowed), or a byte stream (e.g. stdin). */
export type AudioInput =
  | string
  | Float32Array
  | { readonly samples: Float32Array | Float32Array[]; readonly sampleRate: number; readonly name?: string }
  | AudioByteStream;

export interface SegmentedAudio {
  readonly source: string;
  /** The pieces in order; the input is read as they are taken, and released when iteration stops. */
  readonly segments: AsyncIterable<AudioSegment>;
  /** Seconds of input: complete once `segments` has ended. */
  readonly durationSeconds: number;
  /** Milliseconds spent reading, decoding and cutting the input so far. */
  readonly readMs: number;
}

export interface SegmentedAudioOptions {
  readonly maxSeconds?: number;
  readonly segmentSeconds: number;
  readonly signal?: AbortSignal;
}

function isOpened(input: object): input is OpenedAudio {
  return typeof (input as { samples?: unknown }).samples === "function";
}

/** Opens an input without reading it (a file's header, a stream's first bytes): bad input fails here. */
export function openAudioInput(input: AudioInput | Waveform | OpenedAudio, maxSeconds?: number): Promise<Waveform | OpenedAudio> {
  if (typeof input === "string") return openAudio(input, { maxSeconds });
  if (input instanceof Float32Array) return Promise.resolve().then(() => waveformFromSamples(input, 16000, { maxSeconds }));
  if ("stream" in input) return openAudio(input, { maxSeconds });
  if (isOpened(input)) return Promise.resolve(input);
  if (input.samples instanceof Float32Array || Array.isArray(input.samples)) {
    const named = input as { samples: Float32Array | Float32Array[]; sampleRate: number; name?: string };
    return Promise.resolve().then(() => waveformFromSamples(named.samples, named.sampleRate, { maxSeconds }, named.name ?? "<samples>"));
  }
  return Promise.resolve(input as Waveform);
}

/** Opens an input and cuts it into pieces of at most `segmentSeconds`. */
export async function segmentedAudio(input: AudioInput | Waveform | OpenedAudio, options: SegmentedAudioOptions): Promise<SegmentedAudio> {
  const started = performance.now();
  const audio = await openAudioInput(input, options.maxSeconds);
  let readMs = performance.now() - started;
  const cut = { maxSeconds: options.segmentSeconds };
  const pieces: AsyncIterable<AudioSegment> = isOpened(audio) ? segmentStream(audio.samples(options.signal), cut) : fromArray(segmentAudio(audio.samples, cut));
  return {
    source: audio.source,
    get durationSeconds() {
      return audio.durationSeconds;
    },
    get readMs() {
      return readMs;
    },
    segments: {
      async *[Symbol.asyncIterator]() {
        const iterator = pieces[Symbol.asyncIterator]();
        try {
          while (true) {
            const t0 = performance.now();
            const next = await iterator.next();
            readMs += performance.now() - t0;
            if (next.done) return;
            yield next.value;
          }
        } finally {
          await iterator.return?.();
        }
      },
    },
  };
}

async function* fromArray<T>(items: readonly T[]): AsyncGenerator<T, void, undefined> {
  yield* items;
}
