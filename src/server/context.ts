/** What every endpoint shares: the engine, its queue, the served model's name and the limits. */
import { existsSync, statSync } from "node:fs";
import { basename, resolve } from "node:path";
import type { SpeechEngine } from "./engine";
import type { InferenceQueue } from "./inference-queue";

export interface ServerContext {
  readonly engine: SpeechEngine;
  readonly queue: InferenceQueue;
  /** The id /v1/models lists and the openai-model header reports. */
  readonly modelId: string;
  readonly maxUploadBytes: number;
  /** Unix seconds, reported as the model's `created`. */
  readonly startedAt: number;
}

/** A hub id or family name as given; a folder by its name, so no local path is published. */
export function servedModelId(modelReference: string): string {
  const isFolder = existsSync(modelReference) && statSync(modelReference).isDirectory();
  return isFolder ? basename(resolve(modelReference)) : modelReference;
}
