/**
 * The engine thread: holds the one Transcriber and runs the jobs the server
 * thread sends. Compute, forced garbage collections and decoding block only
 * this thread, so the server keeps answering while a transcription runs.
 */
import { loadFamilyModule, loadFamilyPlugins } from "../families/plugins";
import { Transcriber } from "../pipeline/transcriber";
import { transferError, type FromWorker, type ToWorker } from "./engine-messages";

interface WorkerScope {
  postMessage(message: FromWorker): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
}

const scope = globalThis as unknown as WorkerScope;
let transcriber: Transcriber | null = null;
const cancellers = new Map<number, AbortController>();

async function load(model: string, familyModules: readonly string[]): Promise<void> {
  try {
    for (const path of familyModules) await loadFamilyModule(path);
    await loadFamilyPlugins();
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
            ...(job === "stream" && { cleanup: "stream-safe" as const, onToken: (text: string) => scope.postMessage({ type: "piece", id, text }) }),
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
  if (message.type === "load") void load(message.model, message.familyModules);
  else if (message.type === "run") void run(message);
  else cancellers.get(message.id)?.abort();
};
