/**
 * An opened input as the model's waveform, window by window: channels averaged,
 * checked (finite values, within the length limit), resampled to 16 kHz. Memory
 * holds a window, never the whole input.
 */
import { AudioError } from "../errors";
import type { Tensor } from "../engine/mlx";
import { openAudioSource, type AudioByteStream } from "./audio-source";
import { assertResamplable, DEFAULT_MAX_AUDIO_SECONDS, MODEL_SAMPLE_RATE, toMono, type LoadAudioOptions } from "./load";
import { StreamingResampler } from "./streaming-resampler";

export interface OpenedAudio {
  readonly source: string;
  /** `[n]` float32 16 kHz mono windows; reading starts at the first. Call once; leaving early stops the input. */
  samples(signal?: AbortSignal): AsyncGenerator<Tensor, void, undefined>;
  /** Seconds of input read so far: its whole duration once samples() has ended. */
  readonly durationSeconds: number;
}

function tooLong(source: string, seconds: number | null, limit: number): AudioError {
  const length = seconds === null ? "runs" : `is ${seconds.toFixed(1)} s long,`;
  return new AudioError("AUDIO_TOO_LONG", source, `audio ${length} over the limit of ${limit} s`);
}

/**
 * Opens a file or byte stream for reading as the model's waveform. A WAV file's
 * length is checked against the limit here, before any sample is read; other
 * inputs are stopped as soon as they run past it.
 */
export async function openAudio(input: string | AudioByteStream, options: LoadAudioOptions = {}): Promise<OpenedAudio> {
  const audio = await openAudioSource(input);
  const limit = options.maxSeconds ?? DEFAULT_MAX_AUDIO_SECONDS;
  if (audio.declaredSeconds !== null && audio.declaredSeconds > limit) throw tooLong(audio.name, audio.declaredSeconds, limit);
  let frames = 0;
  let rate = 0;
  return {
    source: audio.name,
    get durationSeconds() {
      return rate > 0 ? frames / rate : 0;
    },
    async *samples(signal) {
      let resampler: StreamingResampler | null = null;
      for await (const window of audio.windows(signal)) {
        const count = window.frames.shape[0]!;
        if (count === 0) continue;
        rate = window.sampleRate;
        frames += count;
        if (frames / rate > limit) throw tooLong(audio.name, null, limit);
        if (!resampler) {
          assertResamplable(rate, audio.name);
          resampler = new StreamingResampler(rate, MODEL_SAMPLE_RATE);
        }
        const out = resampler.push(toMono(window.frames, audio.name));
        if (out.shape[0]! > 0) yield out;
      }
      if (!resampler) throw new AudioError("AUDIO_EMPTY", audio.name, "contains no samples");
      const tail = resampler.finish();
      if (tail.shape[0]! > 0) yield tail;
    },
  };
}
