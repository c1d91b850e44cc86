/**
 * The contracts between the parts of a speech recognizer. A family composes one
 * implementation of each (see src/families): features (src/audio/features) →
 * AudioEncoder → AudioAdaptor → CausalLM, or an encoder with a CTC/CIF head.
 * They live here, below the networks, so that the networks in src/models and
 * adaptor/ implement them without depending on each other or on the pipeline.
 */
import type { Dtype, Tensor } from "../engine/mlx";

/** Right-padded rows of a batch: `[B, T, D]` and the valid length of each member. */
export interface FrameBatch {
  readonly frames: Tensor;
  readonly lengths: readonly number[];
}

/** Features `[B, T, F]` → encoder frames `[B, T', D]` (its last hidden state, before any projection to an LLM). */
export interface AudioEncoder {
  readonly outputDim: number;
  encode(features: Tensor, lengths: readonly number[]): FrameBatch;
  /** Encoder frames for `featureFrames` valid input frames. */
  frameCount(featureFrames: number): number;
}

/** The rows an adaptor gives the LLM, and (for inspection) everything it computed before choosing them. */
export interface AdaptedAudio extends FrameBatch {
  /** All output frames, when the adaptor computes more than it hands on (Fun-ASR-Nano's low frame rate). */
  readonly computed?: FrameBatch;
}

/** Encoder frames → rows at the LLM's width, exactly those written over the prompt's audio slots. */
export interface AudioAdaptor {
  readonly outputDim: number;
  adapt(frames: Tensor, lengths: readonly number[]): AdaptedAudio;
  /** Rows for `encoderFrames` valid encoder frames. */
  rowCount(encoderFrames: number): number;
}

/** A decoder's incremental state; `offset` is the number of positions it holds. */
export interface DecoderCache {
  readonly offset: number;
  /** Forgets every position from `offset` on (≤ the current offset); the next input is appended there. */
  rewind(offset: number): void;
}

export interface CausalLMForwardOptions {
  /**
   * Position ids: `[L]` for plain positions, `[axes, L]` for multimodal RoPE; default
   * `offset .. offset + L − 1`.
   */
  readonly positions?: Tensor;
  /** Logits for every input position (default: the last one only). */
  readonly allPositions?: boolean;
}

/** A decoder-only language model over embeddings, so audio rows can be injected between text tokens. */
export interface CausalLM {
  readonly hiddenSize: number;
  readonly vocabSize: number;
  /** Dtype of embeddings and hidden states. */
  readonly dtype: Dtype;
  /** Bits per weight of its matrices: 32/16 float, or the quantization bits. */
  readonly weightBits: number;
  /** `ids [B, L]` int32 → `[B, L, H]`. */
  embed(ids: Tensor): Tensor;
  /** Appends `embeddings [B, L, H]` to `cache`; float32 logits `[B, L or 1, V]`. */
  forward(embeddings: Tensor, cache: DecoderCache, options?: CausalLMForwardOptions): Tensor;
  newCache(): DecoderCache;
}

/** Where one utterance's tokens fire, as a continuous integrate-and-fire predictor found them. */
export interface TokenFiring {
  /** The firing weight α of each valid encoder frame. */
  readonly alphas: Float32Array;
  /** The weights the tokens were integrated from: `alphas` and the tail weight after them (one longer). */
  readonly tailAlphas: Float32Array;
  /** Per step of `tailAlphas`: the fractional part of the running sum, plus 1 where a token fires (FunASR's `cif_peak`). */
  readonly peaks: Float32Array;
  /** The step at which each token fires (`alphas.length` when the tail weight completes the last one). */
  readonly firePositions: readonly number[];
  readonly tokenCount: number;
}

export interface PredictedTokens {
  /** `[B, N, D]`: one embedding per token, rows past a member's count zero. */
  readonly embeddings: Tensor;
  /** `[B, T]`: α of every frame (0 past a member's frames). */
  readonly alphas: Tensor;
  readonly members: readonly TokenFiring[];
}

/** Encoder frames → how many tokens they hold, where each fires, and one acoustic embedding per token. */
export interface TokenPredictor {
  predict(frames: Tensor, lengths: readonly number[]): PredictedTokens;
}

/** Token embeddings `[B, N, D]` (attending to encoder frames `[B, T, D]`) → float32 token logits `[B, N, V]`, all positions at once. */
export interface ParallelDecoder {
  readonly vocabSize: number;
  decode(embeddings: Tensor, tokenCounts: readonly number[], frames: Tensor, frameLengths: readonly number[]): Tensor;
}

export type { FeatureBatch, FeatureExtractor } from "../audio/features/feature-extractor";
