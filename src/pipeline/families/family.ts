/**
 * A model family as data: which front end, encoder mode, adaptor and prompts it
 * uses, its stop tokens and generation defaults. Adding a family means adding an
 * entry, not editing the pipeline.
 */
import type { FrontendMode } from "../../audio/frontend";
import type { PromptPart } from "../prompt";
import type { SamplingOptions } from "../sampling";

/** "transcribe": speech → text in its language; "translate": speech → English directly. */
export type AudioTask = "transcribe" | "translate";

export interface AudioPromptRequest {
  readonly task: AudioTask;
  /** A language code the family lists, or "auto". */
  readonly language: string;
  readonly hotwords: readonly string[];
}

export interface FamilyDefinition {
  readonly name: string;
  readonly title: string;
  readonly frontendMode: FrontendMode;
  /** Whether the encoder multiplies its input by √D (FunASR) or not (OminiX's Qwen4B port). */
  readonly encoderInputScale: "sqrt_output_size" | "none";
  /** Key prefix of the encoder in the family's released checkpoint. */
  readonly encoderPrefix: string;
  readonly adaptor: "qwen4b" | "nano";
  /** Key prefix of the LLM inside a combined checkpoint, if the family ships one. */
  readonly decoderPrefix: string;
  /** Language code → the label its prompt uses. */
  readonly languages: Readonly<Record<string, string>>;
  readonly defaultLanguage: string;
  readonly supportsAutoLanguage: boolean;
  readonly supportsHotwords: boolean;
  readonly supportsAudioTranslation: boolean;
  /** Token strings that end generation. */
  readonly stopTokens: readonly string[];
  /** Longest audio piece decoded at once (seconds); longer input is segmented. */
  readonly segmentSeconds: number;
  audioPrompt(request: AudioPromptRequest): PromptPart[];
  /** zh → en text translation prompt. */
  translationPrompt(text: string): PromptPart[];
  /** A plain chat turn for `generateText`. */
  chatPrompt(text: string): PromptPart[];
  /** Text tokens of the default audio prompt (everything but the audio slots), for estimates before a tokenizer is at hand. */
  readonly audioPromptTokens: number;
  /** Most tokens to generate for a piece of audio of this duration. */
  maxAudioTokens(durationSeconds: number, task: AudioTask): number;
  readonly maxTranslationTokens: number;
  readonly sampling: SamplingOptions;
  readonly repetitionGuard: boolean;
}
