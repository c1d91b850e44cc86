/**
 * Server-Sent Events: one `data: <json>\n\n` frame per event, pulled from an
 * async source as the client reads. A failure mid-stream becomes a last frame
 * `data: {"error":{…}}` (what OpenAI's SDK turns into an APIError); a client
 * that goes away cancels the source.
 */
import { toHttpError } from "./openai-error";

const encoder = new TextEncoder();

function frame(event: unknown): Uint8Array {
  return encoder.encode(`data: ${JSON.stringify(event)}\n\n`);
}

export interface SseOptions {
  /** An event already taken from the source (the caller waited for it before committing to a 200). */
  readonly first?: unknown;
  readonly headers: Headers;
  /** Called when the client stops reading, before the source is closed. */
  readonly onCancel: () => void;
}

export function sseResponse(source: AsyncGenerator<unknown, void, undefined>, options: SseOptions): Response {
  let pendingFirst = options.first !== undefined;
  let finished = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (pendingFirst) {
        pendingFirst = false;
        controller.enqueue(frame(options.first));
        return;
      }
      try {
        const next = await source.next();
        if (finished) return;
        if (next.done) {
          finished = true;
          controller.close();
        } else {
          controller.enqueue(frame(next.value));
        }
      } catch (e) {
        if (finished) return;
        finished = true;
        controller.enqueue(frame(toHttpError(e).toBody()));
        controller.close();
      }
    },
    async cancel() {
      finished = true;
      options.onCancel();
      await source.return(undefined).catch(() => undefined);
    },
  });
  const headers = new Headers(options.headers);
  headers.set("content-type", "text/event-stream; charset=utf-8");
  headers.set("cache-control", "no-cache");
  headers.set("x-accel-buffering", "no");
  return new Response(body, { headers });
}
