/**
 * The one bridge from a job that reports text pieces through a callback to an
 * async iterator: the library's `stream()`, the server's worker proxy and any
 * other consumer use it. Leaving the loop early aborts the job and waits until it
 * has stopped, so the engine is free again when the consumer moves on.
 */
export async function* streamPieces<R>(
  job: (emit: (piece: string) => void, signal: AbortSignal) => Promise<R>,
  outer?: AbortSignal,
): AsyncGenerator<string, R, undefined> {
  const pieces: string[] = [];
  let wake: (() => void) | null = null;
  const controller = new AbortController();
  const signal = outer ? AbortSignal.any([outer, controller.signal]) : controller.signal;
  let settled = false;
  const running = job((piece) => {
    pieces.push(piece);
    wake?.();
  }, signal).finally(() => {
    settled = true;
    wake?.();
  });
  try {
    while (true) {
      if (pieces.length > 0) {
        yield pieces.shift()!;
        continue;
      }
      if (settled) return await running;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
    }
  } finally {
    if (!settled) {
      controller.abort();
      await running.catch(() => undefined);
    }
  }
}
