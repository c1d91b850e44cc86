/**
 * The corrected copy of the engine's package that Deno loads (see deno-engine.ts):
 * the package's JavaScript, its mlx.node with the imports Deno mis-answers renamed,
 * and the corrections compiled from deno-napi-shim.c with the C compiler (`$CC`,
 * else `cc`). Kept under `<cache>/deno-engine/<key>`, the key a hash of everything
 * the copy is made from, so a new engine (or new corrections) gets a new copy. Built
 * under a name of its own and renamed into place whole, so processes making it at
 * the same time never see, or leave, a partial copy.
 */
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { cCompilerCommand } from "../engine/c-compiler";
import { IoError, RuntimeUnsupportedError } from "../errors";
import { renameImports } from "./elf-imports";

/** Each import Deno mis-answers, and the name of its correction in the shim (same length). */
export const DENO_NAPI_RENAMES = {
  napi_get_value_int32: "mlxa_get_value_int32",
  napi_get_value_uint32: "mlxa_get_value_uint32",
  napi_get_new_target: "mlxa_get_new_target",
} as const;

export const SHIM_LIBRARY = "libmlxa-napi-shim.so";
const SHIM_SOURCE = fileURLToPath(new URL("./deno-napi-shim.c", import.meta.url));
/** What of the engine's package is copied: its JavaScript; mlx.node is written patched. */
const PACKAGE_PARTS = ["package.json", "lib", "dist"];
const BINARY = join("build", "Release", "mlx.node");
/** Bumped when the way the copy is made changes in a way the hashed inputs do not show. */
const COPY_FORMAT = "1";
/** A copy still being built after this long was left by a process that died. */
const ABANDONED_AFTER_MS = 60 * 60 * 1000;

function filesUnder(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => filesUnder(join(path, name)));
}

/** The cache key of the copy made from the package at `packageDir`. */
export function engineCopyKey(packageDir: string): string {
  const hash = createHash("sha256").update(`format ${COPY_FORMAT}\n${JSON.stringify(DENO_NAPI_RENAMES)}\n`);
  hash.update(readFileSync(SHIM_SOURCE));
  for (const file of [...PACKAGE_PARTS.flatMap((part) => filesUnder(join(packageDir, part))), join(packageDir, BINARY)]) {
    hash.update(`\n${relative(packageDir, file)}\n`).update(readFileSync(file));
  }
  return hash.digest("hex").slice(0, 16);
}

function unsupported(detail: string): RuntimeUnsupportedError {
  return new RuntimeUnsupportedError("RUNTIME_DENO_ENGINE", "deno", detail);
}

function compileShim(out: string): void {
  const [compiler, ...args] = cCompilerCommand();
  const result = spawnSync(compiler!, [...args, "-shared", "-fPIC", "-O2", "-x", "c", SHIM_SOURCE, "-o", out, "-ldl"], { encoding: "utf8" });
  if (result.error || result.status !== 0) {
    const notFound = (result.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
    const why = notFound ? "not found" : result.error ? result.error.message : result.stderr.trim().split("\n").slice(-1)[0] || `exit status ${result.status}`;
    throw unsupported(
      `the engine needs a small Node-API correction compiled for Deno (once; it is cached), and the C compiler (${cCompilerCommand().join(" ")}) failed: ${why}; install one (apt-get install gcc) or set CC, or run under Bun`,
    );
  }
}

function build(packageDir: string, building: string): void {
  for (const part of PACKAGE_PARTS) cpSync(join(packageDir, part), join(building, part), { recursive: true });
  const binaryPath = join(packageDir, BINARY);
  const { patched } = renameImports(readFileSync(binaryPath), DENO_NAPI_RENAMES, binaryPath);
  mkdirSync(dirname(join(building, BINARY)), { recursive: true });
  writeFileSync(join(building, BINARY), patched);
  compileShim(join(building, SHIM_LIBRARY));
}

/** Removes copies other processes began and abandoned (killed while building). */
function removeAbandoned(parent: string): void {
  for (const name of readdirSync(parent)) {
    if (!name.includes(".building-")) continue;
    const path = join(parent, name);
    try {
      if (Date.now() - statSync(path).mtimeMs > ABANDONED_AFTER_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // Finished or removed by its own process meanwhile.
    }
  }
}

/** The folder of the corrected copy for the package at `packageDir`, made if missing. */
export function engineCopy(packageDir: string, cacheRoot: string): { dir: string; built: boolean } {
  const parent = join(cacheRoot, "deno-engine");
  const dir = join(parent, engineCopyKey(packageDir));
  if (existsSync(dir)) return { dir, built: false };
  // Unique among processes and among threads of one process (a worker loads the engine too).
  const building = `${dir}.building-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    mkdirSync(building, { recursive: true });
    build(packageDir, building);
    try {
      renameSync(building, dir);
    } catch (e) {
      // Another process put its copy in place first (made from the same inputs): use it.
      if (!existsSync(dir)) throw e;
      return { dir, built: false };
    }
  } catch (e) {
    if (e instanceof RuntimeUnsupportedError || e instanceof IoError) throw e;
    throw new IoError("DENO_ENGINE_CACHE", dir, `cannot make the engine's copy for Deno: ${(e as Error).message}`);
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  removeAbandoned(parent);
  return { dir, built: true };
}
