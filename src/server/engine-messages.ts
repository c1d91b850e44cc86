/**
 * The messages between the server thread and the engine worker. Errors cross
 * as data and come back as the same AsrError class, code and subject.
 */
import {
  AudioError,
  CancelledError,
  ConfigError,
  DownloadError,
  IoError,
  isAsrError,
  MemoryBudgetError,
  ModelFileError,
  ModelNotFoundError,
  UsageError,
  AsrError,
  type ErrorKind,
} from "../errors";
import type { TranscriptionResult, TranslationResult } from "../pipeline/transcriber";
import type { EngineOptions } from "./engine";

export type EngineJob = "transcribe" | "stream" | "transcribe_and_translate";

/** Engine options without the signal (cancelling is a message of its own). */
export type TransferableEngineOptions = Omit<EngineOptions, "signal">;

export type ToWorker =
  | { readonly type: "load"; readonly model: string; readonly familyModules: readonly string[] }
  | { readonly type: "run"; readonly id: number; readonly job: EngineJob; readonly audioPath: string; readonly options: TransferableEngineOptions }
  | { readonly type: "cancel"; readonly id: number };

export type FromWorker =
  | { readonly type: "loaded"; readonly family: string }
  | { readonly type: "load_failed"; readonly error: TransferredError }
  | { readonly type: "piece"; readonly id: number; readonly text: string }
  | { readonly type: "done"; readonly id: number; readonly result: TranscriptionResult | TranslationResult }
  | { readonly type: "failed"; readonly id: number; readonly error: TransferredError };

export type TransferredError =
  | { readonly kind: ErrorKind; readonly code: string; readonly subject: string; readonly detail: string }
  | { readonly kind: null; readonly message: string };

type AsrErrorClass = new (code: string, subject: string, detail: string) => AsrError;

const CLASS_BY_KIND: Readonly<Partial<Record<ErrorKind, AsrErrorClass>>> = {
  usage: UsageError,
  audio: AudioError,
  model_files: ModelFileError,
  config: ConfigError,
  model_not_found: ModelNotFoundError,
  memory_budget: MemoryBudgetError,
  download: DownloadError,
  io: IoError,
  cancelled: CancelledError,
};

/** An error of a kind without a class of its own; keeps kind, code, subject and detail. */
class TransferredAsrError extends AsrError {
  constructor(
    readonly kind: ErrorKind,
    code: string,
    subject: string,
    detail: string,
  ) {
    super(code, subject, detail);
  }
}

export function transferError(e: unknown): TransferredError {
  if (isAsrError(e)) return { kind: e.kind, code: e.code, subject: e.subject, detail: e.detail };
  return { kind: null, message: e instanceof Error ? e.message : String(e) };
}

export function receiveError(error: TransferredError): Error {
  if (error.kind === null) return new Error(error.message);
  const known = CLASS_BY_KIND[error.kind];
  return known ? new known(error.code, error.subject, error.detail) : new TransferredAsrError(error.kind, error.code, error.subject, error.detail);
}
