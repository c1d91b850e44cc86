/**
 * Audio in, whole: a file or sample buffer → 16 kHz mono float32 waveform tensor,
 * with every way the input can be wrong reported as an AudioError. (Long inputs
 * are better read window by window: audio-stream.ts.)
 */
import { readFileSync } from "node:fs";
import { AudioError } from "../errors";
import { mx, type Tensor } from "../engine/mlx";
import { toTensor } from "../engine/transfer";
import { checkedFileSize, needsFfmpeg } from "./audio-source";
import { decodeWithFfmpeg, findFfmpeg } from "./ffmpeg";
import { MAX_KERNEL_ELEMENTS, resample, resamplingKernelElements } from "./resample";
import { decodeSamples } from "./sample-decode";
import { parseWavHeader, startsWithRiff, type WavFormat } from "./wav";

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

/** `[frames, channels]` → `[frames]` by the channel mean; refuses NaN and infinite values. */
export function toMono(frames: Tensor, source: string): Tensor {
  const mono = frames.shape[1] === 1 ? frames.reshape([-1]) : mx.mean(frames, 1);
  const nonFinite = mx.any(mx.logicalOr(mx.isnan(mono), mx.isinf(mono))).item();
  if (nonFinite) throw new AudioError("AUDIO_NON_FINITE", source, "contains NaN or infinite sample values");
  return mono;
}

/** Decoded `[frames, channels]` samples → the model's waveform: checks, downmix, resample. */
function toWaveform(frames: Tensor, sampleRate: number, source: string, options: LoadAudioOptions): Waveform {
  if (!(sampleRate > 0) || !Number.isFinite(sampleRate)) {
    throw new AudioError("AUDIO_BAD_HEADER", source, `sample rate ${sampleRate} is not a positive number`);
  }
  assertResamplable(sampleRate, source);
  const [count, channels] = frames.shape as [number, number];
  if (channels === 0) throw new AudioError("AUDIO_BAD_HEADER", source, "has 0 channels");
  if (count === 0) throw new AudioError("AUDIO_EMPTY", source, "contains no samples");
  const durationSeconds = count / sampleRate;
  const maxSeconds = options.maxSeconds ?? DEFAULT_MAX_AUDIO_SECONDS;
  if (durationSeconds > maxSeconds) {
    throw new AudioError("AUDIO_TOO_LONG", source, `audio is ${durationSeconds.toFixed(1)} s long, over the limit of ${maxSeconds} s`);
  }
  const samples = resample(toMono(frames, source), sampleRate, MODEL_SAMPLE_RATE);
  mx.eval(samples);
  return { samples, sampleRate: MODEL_SAMPLE_RATE, durationSeconds, source, originalSampleRate: sampleRate, originalChannels: channels };
}

/** A whole file as WAV bytes and their header: a WAV as it is, other containers decoded by ffmpeg first. */
function readWholeWav(path: string): { format: WavFormat; bytes: Uint8Array } {
  checkedFileSize(path);
  const file = readFileSync(path);
  // Anything starting with RIFF is a WAV (or a broken one, which the header check reports precisely).
  if (startsWithRiff(file)) return { format: parseWavHeader(file, path)!, bytes: file };
  const ffmpeg = findFfmpeg();
  if (!ffmpeg) throw needsFfmpeg(path, file);
  const wav = decodeWithFfmpeg(ffmpeg, path);
  return { format: parseWavHeader(wav, path)!, bytes: wav };
}

function wavWaveform(format: WavFormat, bytes: Uint8Array, source: string, options: LoadAudioOptions): Waveform {
  const data = bytes.subarray(format.dataOffset, format.dataOffset + format.dataBytes!);
  return toWaveform(decodeSamples(data, format), format.sampleRate, source, options);
}

/** Loads a whole audio file (WAV natively, other containers through ffmpeg) as the model's 16 kHz mono waveform. */
export function loadAudio(path: string, options: LoadAudioOptions = {}): Waveform {
  const { format, bytes } = readWholeWav(path);
  return wavWaveform(format, bytes, path, options);
}

/** WAV bytes in memory (checked as a file would be) as the model's waveform. */
export function waveformFromWavBytes(bytes: Uint8Array, source: string, options: LoadAudioOptions = {}): Waveform {
  return wavWaveform(parseWavHeader(bytes, source)!, bytes, source, options);
}

/** Wraps in-memory samples (mono, or one array per channel) as a waveform. */
export function waveformFromSamples(
  samples: Float32Array | Float32Array[],
  sampleRate: number,
  options: LoadAudioOptions = {},
  source = "<samples>",
): Waveform {
  const channels = Array.isArray(samples) ? samples : [samples];
  if (channels.length === 0) throw new AudioError("AUDIO_BAD_HEADER", source, "has 0 channels");
  const length = channels[0]!.length;
  if (channels.some((c) => c.length !== length)) throw new AudioError("AUDIO_BAD_HEADER", source, "channels have different lengths");
  const byChannel = new Float32Array(length * channels.length);
  channels.forEach((c, i) => byChannel.set(c, i * length));
  const frames = length === 0 ? mx.zeros([0, channels.length], mx.float32) : mx.transpose(toTensor(byChannel, [channels.length, length]));
  return toWaveform(frames, sampleRate, source, options);
}

/** A rate the resampler can take to 16 kHz here (a whole number sharing a usable factor with it). */
export function assertResamplable(sampleRate: number, source: string): void {
  if (!Number.isInteger(sampleRate)) throw new AudioError("AUDIO_BAD_HEADER", source, `sample rate ${sampleRate} Hz is not a whole number`);
  if (resamplingKernelElements(sampleRate, MODEL_SAMPLE_RATE) > MAX_KERNEL_ELEMENTS) {
    throw new AudioError(
      "AUDIO_UNSUPPORTED_RATE",
      source,
      `sample rate ${sampleRate} Hz shares too small a factor with ${MODEL_SAMPLE_RATE} Hz to resample here; convert the file first (ffmpeg -i in -ar ${MODEL_SAMPLE_RATE} out.wav)`,
    );
  }
}
