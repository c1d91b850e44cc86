/** The Runtime under Bun: Bun.gc, bun:ffi, Bun.serve. */
import { createRequire } from "node:module";
import type { Engine, Runtime, ServeOptions, ServingHttp } from "./runtime-api";

declare const Bun: typeof import("bun");

const requireHere = createRequire(import.meta.url);

function ffi(): typeof import("bun:ffi") {
  return requireHere("bun:ffi") as typeof import("bun:ffi");
}

let heap: { mallopt(parameter: number, value: number): number; malloc_trim(pad: number): number } | undefined;

function glibcHeap(): NonNullable<typeof heap> {
  if (heap) return heap;
  const { dlopen, FFIType } = ffi();
  const libc = dlopen("libc.so.6", {
    mallopt: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
    malloc_trim: { args: [FFIType.u64], returns: FFIType.i32 },
  });
  heap = libc.symbols as NonNullable<typeof heap>;
  return heap;
}

function serve(options: ServeOptions): ServingHttp {
  const server = Bun.serve({
    hostname: options.hostname,
    port: options.port,
    // Explicit: with development: false, Bun would otherwise set SO_REUSEPORT, and a second
    // server on the same port would silently take half of the connections.
    reusePort: options.reusePort,
    // Bun answers a Content-Length over this limit itself, with an empty 413, before
    // the handler runs; the app enforces the upload limit with an OpenAI error body.
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    idleTimeout: options.idleTimeoutSeconds,
    // Bun's development mode renders stack traces into error pages.
    development: false,
    fetch(request, bunServer) {
      bunServer.timeout(request, 0);
      return options.handler(request);
    },
    error: options.onError,
  });
  return { url: server.url, port: server.port ?? options.port, stop: () => server.stop(true) };
}

export const bunRuntime: Runtime = {
  name: "bun",
  collectGarbage: () => Bun.gc(true),
  collectYoungGarbage: () => (requireHere("bun:jsc") as typeof import("bun:jsc")).edenGC(),
  setNativeEnvironment(name, value) {
    const { dlopen, FFIType, ptr } = ffi();
    // Bun's process.env does not reach the C environment.
    const libc = dlopen(process.platform === "darwin" ? "libc.dylib" : "libc.so.6", {
      setenv: { args: [FFIType.cstring, FFIType.cstring, FFIType.i32], returns: FFIType.i32 },
    });
    libc.symbols.setenv(ptr(Buffer.from(`${name}\0`)), ptr(Buffer.from(`${value}\0`)), 1);
  },
  preloadSharedLibrary(path, probe) {
    const { dlopen, FFIType } = ffi();
    dlopen(path, { [probe]: { args: [], returns: FFIType.void } });
  },
  mallopt: (parameter, value) => glibcHeap().mallopt(parameter, value),
  mallocTrim: () => void glibcHeap().malloc_trim(0),
  loadEngine: () => requireHere("@frost-beta/mlx") as Engine,
  serve,
  startWorker: (url) => new Worker(url.href),
  stopWorker: (worker) => worker.terminate(),
  exitsExplicitly: false,
};
