/**
 * The SpeechEngine of `mlx-asr serve`: the model lives in a worker thread
 * (engine-worker.ts) and this proxy forwards jobs, pieces, results, errors and
 * cancellations. One model in memory; jobs run one at a time in the worker.
 */
import { CancelledError } from "../errors";
import { streamPieces } from "../pipeline/piece-stream";
import type { FamilyDefinition } from "../families/family";
import { loadedFamilyModules } from "../families/plugins";
import { familyByName } from "../families/registry";
import type { TranscriptionResult, TranslationResult } from "../pipeline/transcriber";
import type { EngineOptions, SpeechEngine } from "./engine";
import { startWorker, stopWorker } from "../runtime";
import { receiveError, type EngineJob, type FromWorker, type ToWorker } from "./engine-messages";

interface PendingJob {
  readonly resolve: (result: TranscriptionResult | TranslationResult) => void;
  readonly reject: (error: Error) => void;
  readonly onPiece?: (text: string) => void;
}

export class WorkerEngine implements SpeechEngine {
  private nextId = 1;
  private readonly jobs = new Map<number, PendingJob>();
  /** Why the worker stopped, once it has; every later job fails with it. */
  failure: string | null = null;

  private constructor(
    private readonly worker: Worker,
    readonly family: FamilyDefinition,
  ) {
    worker.onmessage = (event: MessageEvent<FromWorker>) => this.receive(event.data);
    worker.onerror = (event) => this.fail(`the engine worker crashed: ${event.message}`);
    worker.addEventListener("close", () => this.fail("the engine worker exited"));
  }

  /** Starts the worker and loads the model (a hub id, folder or family name) in it. */
  static start(model: string): Promise<WorkerEngine> {
    const worker = startWorker(new URL("./engine-worker.ts", import.meta.url));
    return new Promise((resolve, reject) => {
      worker.onerror = (event) => {
        worker.terminate();
        reject(new Error(`the engine worker failed to start: ${event.message}`));
      };
      worker.onmessage = (event: MessageEvent<FromWorker>) => {
        const message = event.data;
        if (message.type === "loaded") resolve(new WorkerEngine(worker, familyByName(message.family)));
        else if (message.type === "load_failed") {
          worker.terminate();
          reject(receiveError(message.error));
        }
      };
      worker.postMessage({ type: "load", model, familyModules: loadedFamilyModules() } satisfies ToWorker);
    });
  }

  transcribe(audioPath: string, options: EngineOptions): Promise<TranscriptionResult> {
    return this.run("transcribe", audioPath, options) as Promise<TranscriptionResult>;
  }

  transcribeAndTranslate(audioPath: string, options: EngineOptions): Promise<TranslationResult> {
    return this.run("transcribe_and_translate", audioPath, options) as Promise<TranslationResult>;
  }

  stream(audioPath: string, options: EngineOptions): AsyncGenerator<string, TranscriptionResult, undefined> {
    return streamPieces((emit, signal) => this.run("stream", audioPath, { ...options, signal }, emit) as Promise<TranscriptionResult>, options.signal);
  }

  /** Stops the worker; jobs still running fail. */
  close(): void {
    this.fail("the server is shutting down");
    stopWorker(this.worker);
  }

  private run(job: EngineJob, audioPath: string, options: EngineOptions, onPiece?: (text: string) => void): Promise<TranscriptionResult | TranslationResult> {
    if (this.failure) return Promise.reject(new Error(this.failure));
    const { signal, ...transferable } = options;
    if (signal?.aborted) return Promise.reject(new CancelledError("CANCELLED", audioPath, "cancelled before it started"));
    const id = this.nextId++;
    const cancel = () => this.worker.postMessage({ type: "cancel", id } satisfies ToWorker);
    signal?.addEventListener("abort", cancel, { once: true });
    return new Promise<TranscriptionResult | TranslationResult>((resolve, reject) => {
      this.jobs.set(id, { resolve, reject, onPiece });
      this.worker.postMessage({ type: "run", id, job, audioPath, options: transferable } satisfies ToWorker);
    }).finally(() => signal?.removeEventListener("abort", cancel));
  }

  private receive(message: FromWorker): void {
    if (message.type === "loaded" || message.type === "load_failed") return;
    const job = this.jobs.get(message.id);
    if (!job) return;
    if (message.type === "piece") return job.onPiece?.(message.text);
    this.jobs.delete(message.id);
    if (message.type === "done") job.resolve(message.result);
    else job.reject(receiveError(message.error));
  }

  private fail(reason: string): void {
    this.failure ??= reason;
    for (const job of this.jobs.values()) job.reject(new Error(this.failure));
    this.jobs.clear();
  }
}
