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
}
