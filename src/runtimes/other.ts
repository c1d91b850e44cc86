/** The Runtime elsewhere (Node.js): the engine and gc (under --expose-gc) only. */
import { createRequire } from "node:module";
import { RuntimeUnsupportedError } from "../errors";
import type { Engine, Runtime } from "./runtime-api";

function unsupported(what: string): never {
  throw new RuntimeUnsupportedError("RUNTIME_UNSUPPORTED", what, "needs Bun or Deno 2");
}

export const otherRuntime: Runtime = {
  name: "other",
  collectGarbage: () => (globalThis as { gc?: () => void }).gc?.(),
  collectYoungGarbage: () => (globalThis as { gc?: (options: { type: "minor" }) => void }).gc?.({ type: "minor" }),
  setNativeEnvironment: () => unsupported("setting the C environment"),
  preloadSharedLibrary: () => unsupported("preloading a shared library"),
  mallopt: () => unsupported("tuning the C heap"),
  mallocTrim: () => unsupported("trimming the C heap"),
  loadEngine: () => createRequire(import.meta.url)("@frost-beta/mlx") as Engine,
  serve: () => unsupported("serving HTTP"),
  startWorker: (url) => new Worker(url.href),
  stopWorker: (worker) => worker.terminate(),
  exitsExplicitly: false,
};
