/**
 * The only module that touches runtime-specific (Bun) APIs directly, so that the
 * library can be moved to another runtime by replacing this file.
 */

declare const Bun: { gc(force: boolean): void } | undefined;

/** Forces a full garbage collection where the runtime allows it. */
export function collectGarbage(): void {
  if (typeof Bun !== "undefined") Bun.gc(true);
  else (globalThis as { gc?: () => void }).gc?.();
}

/** Lets the event loop turn once; native finalizers of collected arrays run here. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Frees the memory of tensors that are no longer referenced. The engine only
 * releases an array when its JS wrapper is collected *and* the event loop turns
 * (see NOTES-mlx.md), so long loops must await this every few steps.
 */
export async function releaseMemory(): Promise<void> {
  collectGarbage();
  await yieldToEventLoop();
}

export function isBun(): boolean {
  return typeof Bun !== "undefined";
}

/** All of standard input as UTF-8 text. */
export async function readStdinText(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString("utf8");
}
