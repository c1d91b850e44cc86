/** The Runtime under Deno 2: Deno.serve, Deno.env, Deno.dlopen, V8's gc. */
import v8 from "node:v8";
import vm from "node:vm";
import type { DenoApi } from "./deno-api";
import { loadEngineUnderDeno } from "./deno-engine";
import { serverUrl, type Runtime, type ServeOptions, type ServingHttp } from "./runtime-api";

/**
 * V8's gc(): the global one under --v8-flags=--expose-gc (deno.json's tasks pass it);
 * without the flag, the same function taken from a fresh context (V8 installs it
 * there once the flag is set at run time). It collects the whole heap.
 */
function v8Gc(): V8Gc {
  const exposed = (globalThis as { gc?: V8Gc }).gc;
  if (exposed) return exposed;
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc") as V8Gc;
}

/** V8's gc(): the whole heap, or with `{ type: "minor" }` the young generation only. */
type V8Gc = (options?: { type: "minor" | "major" }) => void;

interface GlibcHeap {
  mallopt(parameter: number, value: number): number;
  malloc_trim(pad: bigint): number;
}

let heap: GlibcHeap | undefined;

function glibcHeap(deno: DenoApi): GlibcHeap {
  heap ??= deno.dlopen("libc.so.6", {
    mallopt: { parameters: ["i32", "i32"], result: "i32" },
    malloc_trim: { parameters: ["usize"], result: "i32" },
  }).symbols as unknown as GlibcHeap;
  return heap;
}

function serve(deno: DenoApi, options: ServeOptions): ServingHttp {
  let server;
  try {
    server = deno.serve({
      hostname: options.hostname,
      port: options.port,
      reusePort: options.reusePort,
      // Without onListen, Deno prints "Listening on …" itself.
      onListen: () => {},
      onError: options.onError,
      handler: options.handler,
    });
  } catch (e) {
    if (e instanceof deno.errors.AddrInUse) throw Object.assign(new Error(e.message), { code: "EADDRINUSE" });
    throw e;
  }
  const port = server.addr.port;
  // Deno has no idle timeout setting, and its shutdown lets requests in flight finish.
  return { url: serverUrl(options.hostname, port), port, stop: () => server.shutdown() };
}

export function denoRuntime(deno: DenoApi): Runtime {
  let gc: V8Gc | undefined;
  return {
    name: "deno",
    collectGarbage: () => (gc ??= v8Gc())(),
    collectYoungGarbage: () => (gc ??= v8Gc())({ type: "minor" }),
    // Deno.env.set is setenv(3): native libraries see it (and so does process.env).
    setNativeEnvironment: (name, value) => deno.env.set(name, value),
    preloadSharedLibrary: (path, probe) => {
      deno.dlopen(path, { [probe]: { parameters: [], result: "void" } });
    },
    mallopt: (parameter, value) => glibcHeap(deno).mallopt(parameter, value),
    mallocTrim: () => void glibcHeap(deno).malloc_trim(0n),
    loadEngine: () => loadEngineUnderDeno(deno),
    serve: (options) => serve(deno, options),
    startWorker: (url) => new Worker(url.href, { type: "module" }),
    // Deno 2.9.6 aborts the process at exit ("Handle hosted by disposed Isolate") when a
    // worker that ran the engine was terminated first; the worker ends with the process.
    stopWorker: (worker) => {
      worker.onmessage = null;
    },
    // A worker keeps Deno's event loop alive, so the command line exits itself.
    exitsExplicitly: true,
  };
}
