/**
 * What the HTTP layer needs from the model. The Transcriber satisfies it in
 * this thread; WorkerEngine satisfies it with the model in a worker thread.
 */
import type { FamilyDefinition } from "../families/family";
import type { TranscribeOptions, TranscriptionResult, TranslationResult } from "../pipeline/transcriber";

/** What a request may set; segmenting and limits stay the engine's defaults. */
export type EngineOptions = Pick<TranscribeOptions, "language" | "hotwords" | "task" | "sampling" | "signal">;

export interface SpeechEngine {
  readonly family: FamilyDefinition;
  /** Set once the engine can no longer work (e.g. its worker died); /health then answers 503. */
  readonly failure?: string | null;
  transcribe(audioPath: string, options: EngineOptions): Promise<TranscriptionResult>;
  /** Text pieces as they are decoded; the generator's return value is the result. */
  stream(audioPath: string, options: EngineOptions): AsyncGenerator<string, TranscriptionResult, undefined>;
  /** Transcript in the spoken language plus its English translation, per segment. */
  transcribeAndTranslate(audioPath: string, options: EngineOptions): Promise<TranslationResult>;
}
