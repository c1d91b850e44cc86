/**
 * The engine thread: holds the one Transcriber and runs the jobs the server
 * thread sends. Compute, forced garbage collections and decoding block only
 * this thread, so the server keeps answering while a transcription runs.
 */
import { Transcriber } from "../pipeline/transcriber";
import { transferError, type FromWorker, type ToWorker } from "./engine-messages";

interface WorkerScope {
  postMessage(message: FromWorker): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
}

const scope = globalThis as unknown as WorkerScope;
let transcriber: Transcriber | null = null;
const cancellers = new Map<number, AbortController>();

async function load(model: string): Promise<void> {
  try {
    transcriber = await Transcriber.load(model);
    scope.postMessage({ type: "loaded", family: transcriber.family.name });
  } catch (e) {
    scope.postMessage({ type: "load_failed", error: transferError(e) });
  }
}

async function run(message: Extract<ToWorker, { type: "run" }>): Promise<void> {
  const { id, job, audioPath } = message;
  const controller = new AbortController();
  cancellers.set(id, controller);
  const options = { ...message.options, signal: controller.signal };
  try {
    if (!transcriber) throw new Error("the engine worker has no model loaded");
    const result =
      job === "transcribe_and_translate"
        ? await transcriber.transcribeAndTranslate(audioPath, options)
        : await transcriber.transcribe(audioPath, {
            ...options,
            onToken: job === "stream" ? (text) => scope.postMessage({ type: "piece", id, text }) : undefined,
          });
    scope.postMessage({ type: "done", id, result });
  } catch (e) {
    scope.postMessage({ type: "failed", id, error: transferError(e) });
  } finally {
    cancellers.delete(id);
  }
}

scope.onmessage = (event) => {
  const message = event.data;
  if (message.type === "load") void load(message.model);
  else if (message.type === "run") void run(message);
  else cancellers.get(message.id)?.abort();
};
