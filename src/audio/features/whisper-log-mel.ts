/**
 * Whisper's log-mel front end as transformers' `WhisperFeatureExtractor` computes
 * it in torch (`_torch_extract_fbank_features`), batched the way its callers batch:
 * centred STFT (periodic Hann, reflect padding), the last frame dropped, power
 * spectrum, Slaney mel filters, log10 floored at 1e-10, then floored at each
 * member's maximum − 8 and mapped by (x + 4)/4.
 *
 * Two padding policies:
 * - `longest` (Qwen3-ASR, `Qwen3ASRFeatureExtractor` with `padding=True`): members
 *   shorter than `min_length` samples are zero-padded to it first (the padding counts
 *   as valid), then all are zero-padded to the longest and share one STFT.
 * - `max_length` (GLM-ASR, `GlmAsrProcessor._process_audio`): each waveform is cut
 *   into `chunk_length`-second windows, each zero-padded to the full window before
 *   the STFT, with its own maximum. A member's windows follow one another on the
 *   time axis, `chunk_length · rate / hop` frames each; all but the last are full.
 *   The processor's cap on duration (`max_audio_len`) is not applied: splitting
 *   longer audio is the caller's decision.
 *
 * Rows past a member's length hold what the reference computes there (log-mel of
 * the zero padding, floored), not zeros.
 */
import { z } from "zod";
import { parseWith } from "../../config";
import { AudioError } from "../../errors";
import { mx, type Tensor } from "../../engine/mlx";
import type { FeatureBatch, FeatureExtractor } from "./feature-extractor";
import { slaneyMelFilterBank } from "./slaney-mel-filters";
import { centeredPowerSpectrogram } from "./stft";

/**
 * A `preprocessor_config.json` (`WhisperFeatureExtractor` fields) plus what the
 * family's processor decides: `padding` and `min_length`. Values the recipe
 * does not support are refused rather than ignored.
 */
export const WhisperLogMelConfigSchema = z.object({
  feature_size: z.union([z.literal(80), z.literal(128)]),
  sampling_rate: z.literal(16000).default(16000),
  n_fft: z.literal(400).default(400),
  hop_length: z.literal(160).default(160),
  chunk_length: z.number().int().positive().default(30),
  dither: z.literal(0).default(0),
  padding_value: z.literal(0).default(0),
  padding: z.enum(["longest", "max_length"]),
  min_length: z.number().int().nonnegative().default(0),
});
export type WhisperLogMelConfig = z.output<typeof WhisperLogMelConfigSchema>;

const MEL_MIN_HZ = 0;
const MEL_MAX_HZ = 8000;
const LOG_FLOOR = 1e-10;
const DYNAMIC_RANGE = 8;

export class WhisperLogMel implements FeatureExtractor {
  readonly featureDim: number;
  private readonly nFft: number;
  private readonly hop: number;
  /** Samples of one `max_length` window. */
  private readonly windowSamples: number;
  private readonly framesPerWindow: number;

  constructor(readonly config: WhisperLogMelConfig) {
    this.featureDim = config.feature_size;
    this.nFft = config.n_fft;
    this.hop = config.hop_length;
    this.windowSamples = config.chunk_length * config.sampling_rate;
    this.framesPerWindow = this.windowSamples / this.hop;
  }

  /** Validates `value` (e.g. a preprocessor_config.json merged with family settings); `source` names it in errors. */
  static fromConfig(value: unknown, source: string): WhisperLogMel {
    return new WhisperLogMel(parseWith(WhisperLogMelConfigSchema, value, source));
  }

  frameCount(samples: number): number {
    if (this.config.padding === "longest") return Math.floor(Math.max(samples, this.config.min_length) / this.hop);
    const windows = Math.max(1, Math.ceil(samples / this.windowSamples));
    const last = samples - (windows - 1) * this.windowSamples;
    return (windows - 1) * this.framesPerWindow + Math.ceil(last / this.hop);
  }

  extract(waveforms: readonly Tensor[], sources?: readonly string[]): FeatureBatch {
    if (waveforms.length === 0) throw new AudioError("AUDIO_EMPTY", "<batch>", "no waveforms to compute features of");
    const waves = waveforms.map((w, i) => checkedWaveform(w, sources?.[i] ?? `<waveform ${i}>`));
    const batch = this.config.padding === "longest" ? this.extractLongest(waves, sources) : this.extractWindows(waves);
    mx.eval(batch.features);
    return batch;
  }

  private extractLongest(waves: Tensor[], sources?: readonly string[]): FeatureBatch {
    const minLength = this.config.min_length;
    const counts = waves.map((w) => Math.max(w.shape[0]!, minLength));
    const longest = Math.max(...counts);
    const edge = Math.floor(this.nFft / 2);
    if (longest <= edge) {
      const source = sources?.[counts.indexOf(longest)] ?? `<waveform ${counts.indexOf(longest)}>`;
      throw new AudioError(
        "AUDIO_TOO_SHORT",
        source,
        `audio is ${longest} samples; at least ${edge + 1} are needed for the centred STFT`,
      );
    }
    const batch = mx.stack(waves.map((w) => padTo(w, longest)), 0);
    const frames = Math.floor(longest / this.hop);
    // The reference's mask is the sample mask taken every hop-th sample, minus the last
    // entry when the padded length is not a multiple of hop: ⌈S/hop⌉ for a shorter member.
    const lengths = counts.map((s) => Math.min(Math.ceil(s / this.hop), frames));
    return { features: this.logMel(batch, frames), lengths };
  }

  private extractWindows(waves: Tensor[]): FeatureBatch {
    const size = this.windowSamples;
    const windowsOf = waves.map((w) => Math.max(1, Math.ceil(w.shape[0]! / size)));
    const windows = waves.flatMap((w, i) =>
      Array.from({ length: windowsOf[i]! }, (_, k) =>
        padTo(w.index(mx.Slice(k * size, Math.min((k + 1) * size, w.shape[0]!))), size),
      ),
    );
    const perWindow = this.logMel(mx.stack(windows, 0), this.framesPerWindow);
    const mostWindows = Math.max(...windowsOf);
    const frames = mostWindows * this.framesPerWindow;
    let first = 0;
    const members = windowsOf.map((count) => {
      const member = perWindow.index(mx.Slice(first, first + count)).reshape([count * this.framesPerWindow, this.featureDim]);
      first += count;
      return count === mostWindows ? member : mx.pad(member, [[0, frames - member.shape[0]!], [0, 0]]);
    });
    const features = waves.length === 1 ? members[0]!.reshape([1, frames, this.featureDim]) : mx.stack(members, 0);
    return { features, lengths: waves.map((w) => this.frameCount(w.shape[0]!)) };
  }

  /** `[B, S]` → `[B, frames, featureDim]`, each member floored at its own maximum − 8. */
  private logMel(batch: Tensor, frames: number): Tensor {
    const power = centeredPowerSpectrogram(batch, this.nFft, this.hop, frames);
    const filters = slaneyMelFilterBank({
      nMels: this.featureDim,
      nFft: this.nFft,
      sampleRate: this.config.sampling_rate,
      minHz: MEL_MIN_HZ,
      maxHz: MEL_MAX_HZ,
    });
    const logMel = mx.log10(mx.maximum(mx.matmul(power, filters), LOG_FLOOR));
    const floor = mx.subtract(mx.max(logMel, [1, 2], true), DYNAMIC_RANGE);
    return mx.divide(mx.add(mx.maximum(logMel, floor), 4), 4);
  }
}

function checkedWaveform(wave: Tensor, source: string): Tensor {
  if (wave.ndim !== 1) throw new AudioError("AUDIO_BAD_SHAPE", source, `waveform has shape [${wave.shape}], expected [samples]`);
  if (wave.shape[0] === 0) throw new AudioError("AUDIO_EMPTY", source, "contains no samples");
  return wave.dtype === mx.float32 ? wave : wave.astype(mx.float32);
}

function padTo(wave: Tensor, samples: number): Tensor {
  const missing = samples - wave.shape[0]!;
  return missing > 0 ? mx.pad(wave, [[0, missing]]) : wave;
}
