/**
 * The only module that touches runtime-specific APIs (Bun's or Deno's): the runtime
 * is detected once, here, and its implementation (src/runtimes/bun.ts, deno.ts)
 * serves every call below.
 */
import { bunRuntime } from "./runtimes/bun";
import { deno } from "./runtimes/deno-api";
import { denoRuntime } from "./runtimes/deno";
import { otherRuntime } from "./runtimes/other";
import type { Engine, Runtime, ServeOptions, ServingHttp } from "./runtimes/runtime-api";

export type { ServeOptions, ServingHttp } from "./runtimes/runtime-api";

const runtime: Runtime = "Bun" in globalThis ? bunRuntime : deno ? denoRuntime(deno) : otherRuntime;

/** "bun", "deno" or "other". */
export function runtimeName(): Runtime["name"] {
  return runtime.name;
}

export function isBun(): boolean {
  return runtime.name === "bun";
}

/** Forces a full garbage collection where the runtime allows it. */
export function collectGarbage(): void {
  runtime.collectGarbage();
}

/** Collects the young generation only (where the runtime has one). */
export function collectYoungGarbage(): void {
  runtime.collectYoungGarbage();
}

/** Lets the event loop turn once; native finalizers of collected arrays run here. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Frees the memory of tensors that are no longer referenced. The engine only
 * releases an array when its JS wrapper is collected *and* the event loop turns
 * (a synchronous loop frees nothing, whatever the garbage collector does), so long
 * loops must await this every few steps.
 */
export async function releaseMemory(): Promise<void> {
  collectGarbage();
  await yieldToEventLoop();
}

/** Of a loop's periodic releases, every this many is a full collection; the others collect the young generation. */
export const FULL_COLLECTION_EVERY = 16;

/**
 * `releaseMemory` for a loop that calls it every few steps (a decode loop). A step's
 * tensor wrappers are young, so collecting the young generation frees them at a
 * fraction of a full collection's cost (on the tiny decoder under Bun: 0.9 against
 * 7.9 ms); the few that a collection finds still in use are promoted, and a full
 * collection every 16th call frees those (young only: +59 MB over 5,000 steps; with
 * the full ones: +11 MB, as with full collections alone).
 */
export function periodicMemoryRelease(): () => Promise<void> {
  let calls = 0;
  return async () => {
    if (++calls % FULL_COLLECTION_EVERY === 0) collectGarbage();
    else collectYoungGarbage();
    await yieldToEventLoop();
  };
}

/** All of standard input as UTF-8 text. */
export async function readStdinText(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Sets a variable in the process's C environment (where native libraries read it
 * with getenv); Bun's `process.env` does not reach it.
 */
export function setNativeEnvironment(name: string, value: string): void {
  runtime.setNativeEnvironment(name, value);
}

/**
 * Loads a shared library so that its symbols serve libraries loaded later
 * (a BLAS chosen before the engine loads). `probe` is one symbol it exports.
 */
export function preloadSharedLibrary(path: string, probe: string): void {
  runtime.preloadSharedLibrary(path, probe);
}

/** The tensor engine (@frost-beta/mlx), loaded through the runtime's Node-API. */
export function loadEngine(): Engine {
  return runtime.loadEngine();
}

/** Starts an HTTP server; a port in use throws an error whose `code` is EADDRINUSE. */
export function serveHttp(options: ServeOptions): ServingHttp {
  return runtime.serve(options);
}

/** A module worker running the script at `url`. */
export function startWorker(url: URL): Worker {
  return runtime.startWorker(url);
}

/** Ends a worker started by startWorker; under Deno it ends with the process (see exitsExplicitly). */
export function stopWorker(worker: Worker): void {
  runtime.stopWorker(worker);
}

/** Whether a command line must end the process itself (Deno: workers keep it alive). */
export function exitsExplicitly(): boolean {
  return runtime.exitsExplicitly;
}

/** glibc's mallopt(3) on the process's C heap (where the engine allocates); 1 on success. */
export function setNativeHeapOption(parameter: number, value: number): number {
  return runtime.mallopt(parameter, value);
}

/** Returns the C heap's free pages to the system (glibc's malloc_trim). */
export function trimNativeHeap(): void {
  runtime.mallocTrim();
}
