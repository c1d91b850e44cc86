/**
 * Audio in: any file or sample buffer → 16 kHz mono float32 waveform tensor,
 * with every way the input can be wrong reported as an AudioError.
 */
import { readFileSync, statSync } from "node:fs";
import { AudioError } from "../errors";
import { mx, type Tensor } from "../engine/mlx";
import { toTensor } from "../engine/transfer";
import { decodeWithFfmpeg, findFfmpeg, sniffContainer } from "./ffmpeg";
import { MAX_KERNEL_ELEMENTS, resample, resamplingKernelElements } from "./resample";
import { decodeWav, startsWithRiff, type DecodedAudio } from "./wav";

export const MODEL_SAMPLE_RATE = 16000;
/** Default cap on input length; long recordings are segmented, but 4 h is beyond any sensible single job. */
export const DEFAULT_MAX_AUDIO_SECONDS = 4 * 3600;

export interface Waveform {
  /** `[S]` float32, 16 kHz, mono, values nominally in [-1, 1]. */
  readonly samples: Tensor;
  readonly sampleRate: number;
  readonly durationSeconds: number;
  /** The file it came from, or a label for in-memory input. */
  readonly source: string;
  readonly originalSampleRate: number;
  readonly originalChannels: number;
}

export interface LoadAudioOptions {
  /** Refuse audio longer than this (seconds). */
  readonly maxSeconds?: number;
}

function readAudioBytes(path: string): Uint8Array {
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
  return readFileSync(path);
}

/** Decodes a file: WAV natively, everything else through ffmpeg when available. */
export function decodeAudioFile(path: string): DecodedAudio {
  const bytes = readAudioBytes(path);
  // Anything starting with RIFF is a WAV (or a broken one, which decodeWav reports precisely).
  if (startsWithRiff(bytes)) return decodeWav(bytes, path);
  const ffmpeg = findFfmpeg();
  const container = sniffContainer(bytes);
  if (ffmpeg) return decodeWithFfmpeg(ffmpeg, path);
  if (container) {
    throw new AudioError(
      "AUDIO_NEEDS_FFMPEG",
      path,
      `${container} audio needs ffmpeg, which is not on PATH; install it (apt-get install ffmpeg / brew install ffmpeg) or convert the file to WAV`,
    );
  }
  throw new AudioError("AUDIO_NOT_WAV", path, "not a RIFF/WAVE file (and ffmpeg is not on PATH to try other formats)");
}

/** Turns decoded channels into the model's waveform: downmix by mean, checks, resample. */
export function toWaveform(decoded: DecodedAudio, source: string, options: LoadAudioOptions = {}): Waveform {
  const { sampleRate, channels } = decoded;
  if (!(sampleRate > 0) || !Number.isFinite(sampleRate)) {
    throw new AudioError("AUDIO_BAD_HEADER", source, `sample rate ${sampleRate} is not a positive number`);
  }
  if (!Number.isInteger(sampleRate)) throw new AudioError("AUDIO_BAD_HEADER", source, `sample rate ${sampleRate} Hz is not a whole number`);
  if (resamplingKernelElements(sampleRate, MODEL_SAMPLE_RATE) > MAX_KERNEL_ELEMENTS) {
    throw new AudioError(
      "AUDIO_UNSUPPORTED_RATE",
      source,
      `sample rate ${sampleRate} Hz shares too small a factor with ${MODEL_SAMPLE_RATE} Hz to resample here; convert the file first (ffmpeg -i in -ar ${MODEL_SAMPLE_RATE} out.wav)`,
    );
  }
  if (channels.length === 0) throw new AudioError("AUDIO_BAD_HEADER", source, "has 0 channels");
  const frames = channels[0]!.length;
  if (frames === 0) throw new AudioError("AUDIO_EMPTY", source, "contains no samples");
  const durationSeconds = frames / sampleRate;
  const maxSeconds = options.maxSeconds ?? DEFAULT_MAX_AUDIO_SECONDS;
  if (durationSeconds > maxSeconds) {
    throw new AudioError("AUDIO_TOO_LONG", source, `audio is ${durationSeconds.toFixed(1)} s long, over the limit of ${maxSeconds} s`);
  }
  const interleavedByChannel = new Float32Array(frames * channels.length);
  channels.forEach((c, i) => interleavedByChannel.set(c, i * frames));
  const all = toTensor(interleavedByChannel, [channels.length, frames]);
  let mono = channels.length > 1 ? mx.mean(all, 0) : all.reshape([frames]);
  // wav-decoder maps unsigned 8-bit u to (u − 127.5)/127.5; torchaudio uses (u − 128)/128.
  if (decoded.unsigned8Bit) mono = mx.divide(mx.subtract(mx.multiply(mono, 127.5), 0.5), 128);
  const nonFinite = mx.any(mx.logicalOr(mx.isnan(mono), mx.isinf(mono))).item();
  if (nonFinite) throw new AudioError("AUDIO_NON_FINITE", source, "contains NaN or infinite sample values");
  const samples = resample(mono, sampleRate, MODEL_SAMPLE_RATE);
  mx.eval(samples);
  return {
    samples,
    sampleRate: MODEL_SAMPLE_RATE,
    durationSeconds,
    source,
    originalSampleRate: sampleRate,
    originalChannels: channels.length,
  };
}

/** Loads an audio file as the model's 16 kHz mono waveform. */
export function loadAudio(path: string, options: LoadAudioOptions = {}): Waveform {
  return toWaveform(decodeAudioFile(path), path, options);
}

/** Wraps in-memory samples (mono, or one array per channel) as a waveform. */
export function waveformFromSamples(
  samples: Float32Array | Float32Array[],
  sampleRate: number,
  options: LoadAudioOptions = {},
  source = "<samples>",
): Waveform {
  const channels = Array.isArray(samples) ? samples : [samples];
  return toWaveform({ sampleRate, channels, unsigned8Bit: false }, source, options);
}
