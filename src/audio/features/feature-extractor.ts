/**
 * The first part of every family: 16 kHz mono waveforms → features `[B, T, F]`
 * (time-major, right-padded) + the valid frame count of each row. Implementations:
 * the FunASR Kaldi fbank + LFR + CMVN recipe, the OminiX recipe, Whisper's log-mel.
 */
import type { Tensor } from "../../engine/mlx";

export interface FeatureBatch {
  /** `[B, T, F]` float32; rows past a member's length are padding. */
  readonly features: Tensor;
  /** Valid frames of each member. */
  readonly lengths: readonly number[];
}

export interface FeatureExtractor {
  /** Feature width F. */
  readonly featureDim: number;
  /**
   * Features of one or more waveforms (`[S]` each). A batch is computed the way
   * the reference batches (which may differ from computing members alone).
   * `sources` name the inputs in error messages.
   */
  extract(waveforms: readonly Tensor[], sources?: readonly string[]): FeatureBatch;
  /** Valid frames for a waveform of `samples` samples (sizing prompts and memory before running). */
  frameCount(samples: number): number;
  /** A stage before the features that `inspect` can show and start from (FunASR's fbank before LFR). */
  readonly intermediate?: {
    readonly name: string;
    /** One waveform `[S]` → `[T, D]`. */
    compute(waveform: Tensor, source?: string): Tensor;
    /** One intermediate `[T, D]` → features `[T', F]`. */
    finish(intermediate: Tensor): Tensor;
  };
}

/** How a family gets its extractor. */
export interface FeatureExtractorFactory {
  /** The extractor a front-end folder of mlx-asr's layout configures, or the family's defaults when null. */
  load(dir: string | null): FeatureExtractor;
  /** What tools write into a front-end folder when the source had none (JSON of the folder's config.json). */
  readonly defaultConfig: unknown;
}
