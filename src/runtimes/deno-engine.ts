/**
 * The tensor engine under Deno. Deno 2's Node-API mis-answers two calls the engine
 * relies on (see deno-napi-shim.c), which silently turns shapes and axes such as
 * [2, 3] into 0. So Deno loads a copy of the engine's package, kept in the cache,
 * whose mlx.node imports those two calls under other names, bound to a small
 * library compiled from deno-napi-shim.c with the C compiler (`$CC`, else `cc`).
 * Linux only (ELF); elsewhere Deno gets a RuntimeUnsupportedError.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { cacheRoot } from "../engine/cache-dir";
import { RuntimeUnsupportedError } from "../errors";
import type { DenoApi } from "./deno-api";
import { renameImports } from "./elf-imports";
import type { Engine } from "./runtime-api";

const RENAMES = { napi_get_value_int32: "mlxa_get_value_int32", napi_get_new_target: "mlxa_get_new_target" } as const;
const SHIM_SOURCE = fileURLToPath(new URL("./deno-napi-shim.c", import.meta.url));
const SHIM_LIBRARY = "libmlxa-napi-shim.so";

const requireHere = createRequire(import.meta.url);

function unsupported(detail: string): RuntimeUnsupportedError {
  return new RuntimeUnsupportedError("RUNTIME_DENO_ENGINE", "deno", detail);
}

function compileShim(out: string): void {
  const compiler = process.env.CC || "cc";
  const result = spawnSync(compiler, ["-shared", "-fPIC", "-O2", "-x", "c", SHIM_SOURCE, "-o", out, "-ldl"], { encoding: "utf8" });
  if (result.error || result.status !== 0) {
    const why = result.error ? result.error.message : result.stderr.trim().split("\n").slice(-1)[0];
    throw unsupported(`the engine needs a small Node-API correction compiled for Deno, and the C compiler (${compiler}) failed: ${why}; install one (apt-get install gcc) or run under Bun`);
  }
}

/** Writes the corrected copy of the engine's package under `dir` (atomically). */
function prepare(packageDir: string, binary: Buffer, dir: string): void {
  const building = `${dir}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  for (const part of ["package.json", "lib", "dist"]) cpSync(join(packageDir, part), join(building, part), { recursive: true });
  mkdirSync(join(building, "build", "Release"), { recursive: true });
  writeFileSync(join(building, "build", "Release", "mlx.node"), renameImports(binary, RENAMES, join(packageDir, "build", "Release", "mlx.node")));
  compileShim(join(building, SHIM_LIBRARY));
  try {
    renameSync(building, dir);
  } catch (e) {
    // Another process finished first; its copy is the same.
    rmSync(building, { recursive: true, force: true });
    if (!existsSync(dir)) throw e;
  }
}

/** Loads the engine with Deno's Node-API corrected; the copy is made on the first run. */
export function loadEngineUnderDeno(deno: DenoApi): Engine {
  if (deno.build.os !== "linux") throw unsupported(`the engine's Node-API corrections for Deno are built for Linux only, not ${deno.build.os}; run under Bun`);
  const packageDir = dirname(requireHere.resolve("@frost-beta/mlx/package.json"));
  const binary = readFileSync(join(packageDir, "build", "Release", "mlx.node"));
  const key = createHash("sha256").update(binary).update(readFileSync(SHIM_SOURCE)).digest("hex").slice(0, 16);
  const dir = join(cacheRoot(), "deno-engine", key);
  if (!existsSync(join(dir, SHIM_LIBRARY))) {
    mkdirSync(dirname(dir), { recursive: true });
    prepare(packageDir, binary, dir);
  }
  // Kept open for the life of the process: the engine's imports are bound to it.
  deno.dlopen(join(dir, SHIM_LIBRARY), { mlxa_shim_version: { parameters: [], result: "i32" } });
  return requireHere(join(dir, "lib", "index.js")) as Engine;
}
