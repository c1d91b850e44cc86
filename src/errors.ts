/**
 * The error hierarchy every user-facing failure goes through. Each error has a
 * stable `code` (for programs), a `subject` (the file, field or argument at
 * fault) and a distinct process exit status per kind (for shells).
 */

export type ErrorKind =
  | "usage"
  | "audio"
  | "model_files"
  | "config"
  | "model_not_found"
  | "memory_budget"
  | "download"
  | "io"
  | "batch_incomplete"
  | "port_in_use"
  | "runtime"
  | "cancelled";

/** Exit statuses of the command line, one per kind; 1 is left for unexpected failures. */
export const EXIT_STATUS: Readonly<Record<ErrorKind, number>> = {
  usage: 2,
  audio: 3,
  model_files: 4,
  config: 5,
  model_not_found: 6,
  memory_budget: 7,
  download: 8,
  io: 9,
  /** A batch finished but some inputs failed (listed in its summary). */
  batch_incomplete: 10,
  /** The server's address is held by another program (and sharing it was not asked for). */
  port_in_use: 11,
  /** The JavaScript runtime (Deno, …) cannot do what was asked (src/runtime.ts). */
  runtime: 12,
  cancelled: 130,
};

export abstract class AsrError extends Error {
  abstract readonly kind: ErrorKind;

  constructor(
    /** Stable machine-readable code, e.g. `AUDIO_TRUNCATED`. */
    readonly code: string,
    /** The file, field or argument the error is about. */
    readonly subject: string,
    /** What is wrong, in words. */
    readonly detail: string,
  ) {
    super(subject ? `${subject}: ${detail}` : detail);
    this.name = new.target.name;
  }

  get exitStatus(): number {
    return EXIT_STATUS[this.kind];
  }

  /** The single line the command line prints. */
  oneLine(): string {
    return `error[${this.code}]: ${this.message.replace(/\s*\n\s*/g, " ")}`;
  }
}

export class UsageError extends AsrError {
  readonly kind = "usage";
}

export class AudioError extends AsrError {
  readonly kind = "audio";
}

export class ModelFileError extends AsrError {
  readonly kind = "model_files";
}

export class ConfigError extends AsrError {
  readonly kind = "config";
}

export class ModelNotFoundError extends AsrError {
  readonly kind = "model_not_found";
}

export class MemoryBudgetError extends AsrError {
  readonly kind = "memory_budget";
}

export class DownloadError extends AsrError {
  readonly kind = "download";
}

export class IoError extends AsrError {
  readonly kind = "io";
}

export class PortInUseError extends AsrError {
  readonly kind = "port_in_use";
}

export class RuntimeUnsupportedError extends AsrError {
  readonly kind = "runtime";
}

export class CancelledError extends AsrError {
  readonly kind = "cancelled";
}

export function isAsrError(e: unknown): e is AsrError {
  return e instanceof AsrError;
}
