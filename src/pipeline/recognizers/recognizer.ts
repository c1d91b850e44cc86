/**
 * How a loaded family turns one piece of audio into text. The Transcriber cuts
 * long audio into pieces, hands each to the recognizer and assembles the result;
 * what happens inside — an LLM prompted with the audio, or a CTC/CIF head — is
 * the recognizer's.
 */
import type { FeatureExtractor } from "../../audio/features/feature-extractor";
import type { Tensor } from "../../engine/mlx";
import type { AudioPromptRequest, RerunLiveDefaults } from "../../families/family";
import type { SamplingOptions } from "../../families/sampling-options";
import type { TranscriptWord } from "../../formats/transcript";

export interface RecognitionRequest extends AudioPromptRequest {
  /** Seconds of audio in the piece. */
  readonly durationSeconds: number;
  readonly sampling?: Partial<SamplingOptions>;
  readonly signal?: AbortSignal;
  /** Receives settled text pieces as they are decoded. */
  readonly onText?: (piece: string) => void;
}

export interface RecognizedPiece {
  /** The text as decoded (before the transcript clean-ups). */
  readonly text: string;
  readonly tokens: readonly number[];
  /** The language the model reported, if it reports one. */
  readonly language: string | null;
  /** Why decoding ended. */
  readonly stop: "stop_token" | "max_tokens" | "repetition" | "complete";
  /** A time for each word (or character), in seconds from the start of the piece, where the recognizer knows them. */
  readonly words?: readonly TranscriptWord[];
  /**
   * The text is the model's reading token by token (a CIF or CTC head), not free
   * generation: the clean-ups for a language model's output (repetitions, leaked
   * instructions, meta-commentary) do not apply to it.
   */
  readonly verbatim?: boolean;
  readonly timings: { frontendMs: number; encoderMs: number; prefillMs: number; decodeMs: number };
  /** Mean log-probability of the chosen tokens (and the stop token), where the recognizer samples tokens. */
  readonly avgLogprob?: number;
  /** Probability that the first step ended the text at once: "nothing to transcribe here". */
  readonly noSpeechProb?: number;
}

export interface Recognizer {
  readonly features: FeatureExtractor;
  /**
   * Present when the recognizer decodes a piece in one pass with a time for every
   * word: a live session can then run it again on the audio not committed yet. Its
   * live settings.
   */
  readonly rerunsLive?: RerunLiveDefaults;
  /** `samples [S]` (16 kHz mono) → text; `source` names the input in errors. */
  recognize(samples: Tensor, source: string, request: RecognitionRequest): Promise<RecognizedPiece>;
}
