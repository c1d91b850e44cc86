/**
 * How long a client refused by a full queue should wait before it retries: the
 * requests ahead of it times the running average of how long a request holds the
 * engine, at least 1 s. Clients refused in one burst are spread out: a refused
 * client also counts, as ahead of it, the clients refused before it that have not
 * come back yet, so each is given the next free slot instead of all returning
 * together and being refused again.
 */

/** Weight of the newest service time in the running average. */
const SMOOTHING = 0.2;
const MIN_WAIT_MS = 1000;

export class RetryEstimate {
  private averageMs: number | null = null;
  /** When refused clients were told to come back (ms, on `now`'s clock), still in the future. */
  private promised: number[] = [];

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** The running average of service times, once one request has finished. */
  get averageServiceMs(): number | null {
    return this.averageMs;
  }

  /** A request held the engine for `ms`. */
  recordService(ms: number): void {
    this.averageMs = this.averageMs === null ? ms : this.averageMs + SMOOTHING * (ms - this.averageMs);
  }

  /**
   * Milliseconds a client refused now should wait, with `admitted` requests holding
   * or waiting for the engine and the running one at it for `runningMs`; remembers
   * the slot it hands out.
   */
  waitFor(admitted: number, runningMs: number): number {
    const now = this.now();
    this.promised = this.promised.filter((at) => at > now);
    // Before any request has finished, the running one's time so far is the best guess.
    const service = this.averageMs ?? Math.max(runningMs, MIN_WAIT_MS);
    const ahead = admitted + this.promised.length;
    const wait = Math.max(MIN_WAIT_MS, ahead * service);
    this.promised.push(now + wait);
    return wait;
  }
}
