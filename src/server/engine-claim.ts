/**
 * A request's claim on the engine: a queue place taken on arrival (429 when
 * full, before the upload is read), then the upload saved to a temporary file
 * at once, so a queued request holds disk, not memory. Releasing the claim
 * leaves the queue and deletes the file.
 */
import type { ServerContext } from "./context";
import { parseAudioForm, type AudioRequestFields } from "./form-fields";
import { readMultipartForm } from "./multipart-body";
import { HttpError, toHttpError } from "./openai-error";
import { saveUpload, type TempUpload } from "./temp-upload";
import { collectGarbage, yieldToEventLoop } from "../runtime";
import { releaseKeptPages } from "../engine/native-heap";

export interface EngineClaim {
  readonly fields: AudioRequestFields;
  readonly upload: TempUpload;
  /** Resolves when the engine is this request's; rejects with CancelledError if `signal` aborts first. */
  waitTurn(signal: AbortSignal): Promise<void>;
  /** Leaves the queue and deletes the upload; safe to call more than once. */
  release(): Promise<void>;
}

/** 429 with the expected wait: `retry-after` in whole seconds (HTTP), `retry-after-ms` exactly (read first by OpenAI's SDKs). */
function queueFull(context: ServerContext): HttpError {
  const waitMs = Math.ceil(context.queue.retryAfterMs());
  const seconds = Math.ceil(waitMs / 1000);
  return new HttpError(
    429,
    "queue_full",
    `The server is busy: ${context.queue.capacity} requests already wait for the model. Retry after ${seconds} s.`,
    null,
    { "retry-after": String(seconds), "retry-after-ms": String(waitMs) },
  );
}

export async function claimEngine(request: Request, context: ServerContext): Promise<EngineClaim> {
  const place = context.queue.admit();
  if (!place) throw queueFull(context);
  try {
    const { file, ...fields } = parseAudioForm(await readMultipartForm(request, context.maxUploadBytes));
    const upload = await saveUpload(file);
    return {
      fields,
      upload,
      waitTurn: (signal) => place.waitTurn(signal),
      release: async () => {
        place.leave();
        await upload.dispose();
        collectWhenIdle(context);
      },
    };
  } catch (e) {
    place.leave();
    throw e;
  }
}

/**
 * Each upload leaves several copies of its bytes as garbage (body, form, file),
 * which the collector, left alone, lets pile up to ~80 MB for 3 MB uploads
 * before it runs. An idle server collects them at once, and once the engine has
 * freed the collected tensors, gives the C heap's kept pages back; a busy one is
 * not slowed down.
 */
function collectWhenIdle(context: ServerContext): void {
  const idle = () => context.queue.depth.running === 0 && context.queue.depth.waiting === 0;
  if (!idle()) return;
  collectGarbage();
  void yieldToEventLoop().then(() => {
    if (idle()) releaseKeptPages();
  });
}

/** Engine errors name the client's file, never the temporary path. */
function asClientError(e: unknown, upload: TempUpload): HttpError {
  return toHttpError(e, new Map([[upload.path, upload.name]]));
}

/** Runs `job` once the engine is free. The caller releases the claim. */
export async function onEngine<T>(claim: EngineClaim, signal: AbortSignal, job: () => Promise<T>): Promise<T> {
  await claim.waitTurn(signal);
  try {
    return await job();
  } catch (e) {
    throw asClientError(e, claim.upload);
  }
}

/** The streaming form of onEngine; the stream owns the claim and releases it when it ends, however it ends. */
export async function* streamOnEngine<E>(claim: EngineClaim, signal: AbortSignal, job: () => AsyncGenerator<E, void, undefined>): AsyncGenerator<E, void, undefined> {
  try {
    await claim.waitTurn(signal);
    yield* job();
  } catch (e) {
    throw asClientError(e, claim.upload);
  } finally {
    await claim.release();
  }
}
