/**
 * The bounded line in front of the one engine: a request takes a place when it
 * arrives (before its upload is read, so a full server refuses at once), waits
 * its turn in arrival order, and gives the place back when it is done or gone.
 */
import { CancelledError } from "../errors";
import { RetryEstimate } from "./retry-estimate";

export interface QueuePlace {
  /** Resolves when this request may use the engine; rejects with CancelledError if `signal` aborts first. */
  waitTurn(signal?: AbortSignal): Promise<void>;
  /** Gives the place, and the engine if it holds it, back. Safe to call more than once. */
  leave(): void;
}

export interface QueueDepth {
  /** 1 while a request holds the engine. */
  readonly running: number;
  /** Admitted requests not holding the engine (uploading or waiting). */
  readonly waiting: number;
  /** Most requests that may wait behind the running one. */
  readonly capacity: number;
}

type PlaceState = "admitted" | "waiting" | "holding" | "left";

export class InferenceQueue {
  private admitted = 0;
  private engineBusy = false;
  /** When the request holding the engine got it (on `now`'s clock). */
  private heldSince = 0;
  private readonly line: Array<() => void> = [];
  private readonly retry: RetryEstimate;

  constructor(
    readonly capacity: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.retry = new RetryEstimate(now);
  }

  /** Milliseconds a client refused now should wait before retrying (see RetryEstimate). */
  retryAfterMs(): number {
    return this.retry.waitFor(this.admitted, this.engineBusy ? this.now() - this.heldSince : 0);
  }

  get depth(): QueueDepth {
    const running = this.engineBusy ? 1 : 0;
    return { running, waiting: this.admitted - running, capacity: this.capacity };
  }

  /** A place in the queue, or null when `capacity` requests already wait behind a running one. */
  admit(): QueuePlace | null {
    if (this.admitted > this.capacity) return null;
    this.admitted++;
    let state: PlaceState = "admitted";
    let grant: (() => void) | null = null;

    const removeFromLine = () => {
      const at = grant ? this.line.indexOf(grant) : -1;
      if (at >= 0) this.line.splice(at, 1);
    };

    return {
      waitTurn: (signal) =>
        new Promise<void>((resolve, reject) => {
          if (state !== "admitted") return reject(new Error(`waitTurn called on a place that is ${state}`));
          const cancelled = () => new CancelledError("CANCELLED", "request", "the client went away while the request waited in the queue");
          if (signal?.aborted) return reject(cancelled());
          const onAbort = () => {
            removeFromLine();
            state = "admitted";
            reject(cancelled());
          };
          grant = () => {
            signal?.removeEventListener("abort", onAbort);
            state = "holding";
            this.engineBusy = true;
            this.heldSince = this.now();
            resolve();
          };
          if (!this.engineBusy) return grant();
          state = "waiting";
          this.line.push(grant);
          signal?.addEventListener("abort", onAbort, { once: true });
        }),
      leave: () => {
        if (state === "left") return;
        if (state === "waiting") removeFromLine();
        const held = state === "holding";
        state = "left";
        this.admitted--;
        if (held) {
          this.retry.recordService(this.now() - this.heldSince);
          this.engineBusy = false;
          this.line.shift()?.();
        }
      },
    };
  }
}
