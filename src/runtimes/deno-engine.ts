/**
 * The tensor engine under Deno. Deno 2's Node-API mis-answers calls the engine
 * relies on (see deno-napi-shim.c), which silently turns shapes and axes such as
 * [2, 3] into 0. So Deno loads a copy of the engine's package, kept in the cache
 * (deno-engine-copy.ts), whose mlx.node imports those calls under other names,
 * bound to a small library compiled from deno-napi-shim.c.
 * Linux only (ELF); elsewhere Deno gets a RuntimeUnsupportedError.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { cacheRoot } from "../engine/cache-dir";
import { RuntimeUnsupportedError } from "../errors";
import type { DenoApi } from "./deno-api";
import { engineCopy, SHIM_LIBRARY } from "./deno-engine-copy";
import type { Engine } from "./runtime-api";

const requireHere = createRequire(import.meta.url);

/** Loads the engine with Deno's Node-API corrected; the copy is made on the first run. */
export function loadEngineUnderDeno(deno: Pick<DenoApi, "build" | "dlopen">): Engine {
  if (deno.build.os !== "linux") {
    throw new RuntimeUnsupportedError(
      "RUNTIME_DENO_ENGINE",
      "deno",
      `the engine's Node-API corrections for Deno are built for Linux only, not ${deno.build.os}; run under Bun`,
    );
  }
  const { dir } = engineCopy(dirname(requireHere.resolve("@frost-beta/mlx/package.json")), cacheRoot());
  // Kept open for the life of the process: the engine's imports are bound to it.
  deno.dlopen(join(dir, SHIM_LIBRARY), { mlxa_shim_version: { parameters: [], result: "i32" } });
  return requireHere(join(dir, "lib", "index.js")) as Engine;
}
