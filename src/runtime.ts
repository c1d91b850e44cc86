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
 * (a synchronous loop frees nothing, whatever the garbage collector does), so long
 * loops must await this every few steps.
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

/**
 * Sets a variable in the process's C environment (where native libraries read it
 * with getenv); Bun's `process.env` does not reach it.
 */
export function setNativeEnvironment(name: string, value: string): void {
  const { dlopen, FFIType, ptr } = require("bun:ffi") as typeof import("bun:ffi");
  const libc = dlopen(process.platform === "darwin" ? "libc.dylib" : "libc.so.6", {
    setenv: { args: [FFIType.cstring, FFIType.cstring, FFIType.i32], returns: FFIType.i32 },
  });
  libc.symbols.setenv(ptr(Buffer.from(`${name}\0`)), ptr(Buffer.from(`${value}\0`)), 1);
}

/**
 * Loads a shared library so that its symbols serve libraries loaded later
 * (a BLAS chosen before the engine loads). `probe` is one symbol it exports.
 */
export function preloadSharedLibrary(path: string, probe: string): void {
  const { dlopen, FFIType } = require("bun:ffi") as typeof import("bun:ffi");
  dlopen(path, { [probe]: { args: [], returns: FFIType.void } });
}
