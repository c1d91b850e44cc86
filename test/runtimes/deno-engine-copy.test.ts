/**
 * The engine's corrected copy for Deno, made under Bun: processes making it at once
 * leave one whole copy; the key follows every input; a missing or failing compiler
 * and a system other than Linux are typed errors that leave nothing behind.
 */
import { afterAll, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { RuntimeUnsupportedError } from "../../src/errors";
import { DENO_NAPI_RENAMES, engineCopy, engineCopyKey, SHIM_LIBRARY } from "../../src/runtimes/deno-engine-copy";
import { loadEngineUnderDeno } from "../../src/runtimes/deno-engine";
import { renameImports } from "../../src/runtimes/elf-imports";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

const ENGINE = dirname(createRequire(import.meta.url).resolve("@frost-beta/mlx/package.json"));
const BINARY = join("build", "Release", "mlx.node");
const COPY_MODULE = join(import.meta.dir, "../../src/runtimes/deno-engine-copy.ts");
const work = mkdtempSync(join(tmpdir(), "mlx-asr-deno-copy-"));
const hasCc = spawnSync("cc", ["--version"]).status === 0;

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A copy of the engine's package (what engineCopy reads) under `name`. */
function enginePackage(name: string): string {
  const dir = join(work, name);
  for (const part of ["package.json", "lib", "dist", BINARY]) cpSync(join(ENGINE, part), join(dir, part), { recursive: true });
  return dir;
}

function leftovers(cache: string): string[] {
  const parent = join(cache, "deno-engine");
  return existsSync(parent) ? readdirSync(parent).filter((name) => name.includes(".building-")) : [];
}

test("the key is the same for the same files anywhere, and changes with the binary or the JavaScript", () => {
  const a = enginePackage("key-a");
  const b = enginePackage("key-b");
  const key = engineCopyKey(a);
  expect(key).toMatch(/^[0-9a-f]{16}$/);
  expect(engineCopyKey(b)).toBe(key);

  const binary = readFileSync(join(b, BINARY));
  binary.writeUInt8(binary.readUInt8(binary.length - 1) ^ 1, binary.length - 1);
  writeFileSync(join(b, BINARY), binary);
  const newBinary = engineCopyKey(b);
  expect(newBinary).not.toBe(key);

  writeFileSync(join(a, "lib", "index.js"), `${readFileSync(join(a, "lib", "index.js"), "utf8")}\n// an upgrade that changes only JavaScript\n`);
  const newScript = engineCopyKey(a);
  expect(newScript).not.toBe(key);
  expect(newScript).not.toBe(newBinary);
});

test.skipIf(process.platform !== "linux" || !hasCc)("three processes making the copy at once leave one whole copy and nothing else", async () => {
  const pkg = enginePackage("concurrent");
  const cache = join(work, "concurrent-cache");
  // A compiler that waits until all three processes have reached it: their builds overlap for sure.
  const barrier = join(work, "barrier");
  mkdirSync(barrier);
  const cc = join(work, "barrier-cc");
  writeFileSync(cc, `#!/bin/sh\ntouch "${barrier}/$$"\ni=0\nwhile [ "$(ls "${barrier}" | wc -l)" -lt 3 ] && [ $i -lt 2400 ]; do sleep 0.05; i=$((i+1)); done\nexec cc "$@"\n`);
  chmodSync(cc, 0o755);
  // An abandoned build (its process killed) two hours ago, and one that may still be running.
  const parent = join(cache, "deno-engine");
  mkdirSync(join(parent, "0123456789abcdef.building-1-dead"), { recursive: true });
  const old = Date.now() / 1000 - 2 * 3600;
  utimesSync(join(parent, "0123456789abcdef.building-1-dead"), old, old);
  mkdirSync(join(parent, "0123456789abcdef.building-2-live"));

  const script = `import { engineCopy } from ${JSON.stringify(COPY_MODULE)}; console.log(JSON.stringify(engineCopy(${JSON.stringify(pkg)}, ${JSON.stringify(cache)})));`;
  const children = [0, 1, 2].map(() => Bun.spawn(["bun", "-e", script], { env: { ...process.env, CC: cc }, stdout: "pipe", stderr: "pipe" }));
  const copies = await Promise.all(
    children.map(async (child) => {
      const [out, err, status] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
      expect(err).toBe("");
      expect(status).toBe(0);
      return JSON.parse(out) as { dir: string; built: boolean };
    }),
  );
  expect(readdirSync(barrier).length).toBe(3);
  const dir = join(parent, engineCopyKey(pkg));
  expect(copies.map((c) => c.dir)).toEqual([dir, dir, dir]);
  // Each built one; the first rename put its copy in place, the other two found it there.
  expect(copies.filter((c) => c.built).length).toBe(1);
  expect(readdirSync(parent).sort()).toEqual(["0123456789abcdef.building-2-live", engineCopyKey(pkg)]);

  expect(readdirSync(dir).sort()).toEqual(["build", "dist", "lib", SHIM_LIBRARY, "package.json"].sort());
  const expected = renameImports(readFileSync(join(pkg, BINARY)), DENO_NAPI_RENAMES, BINARY).patched;
  expect(readFileSync(join(dir, BINARY)).equals(expected)).toBe(true);
  expect(readFileSync(join(dir, "lib", "index.js")).equals(readFileSync(join(pkg, "lib", "index.js")))).toBe(true);
  const exported = spawnSync("nm", ["-D", "--defined-only", join(dir, SHIM_LIBRARY)], { encoding: "utf8" }).stdout;
  for (const name of [...Object.values(DENO_NAPI_RENAMES), "mlxa_shim_version"]) expect(exported).toContain(` T ${name}\n`);

  // A later run finds it.
  expect(engineCopy(pkg, cache)).toEqual({ dir, built: false });
});

test.skipIf(process.platform !== "linux")("no compiler, or one that fails: a typed error naming it, and no copy or partial copy left", () => {
  const pkg = enginePackage("no-compiler");
  const saved = process.env.CC;
  try {
    for (const [cc, why] of [
      ["/nonexistent/cc", "not found"],
      ["false", "exit status 1"],
    ] as const) {
      const cache = join(work, `cache-${why.replace(/\W/g, "")}`);
      process.env.CC = cc;
      let error: unknown;
      try {
        engineCopy(pkg, cache);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(RuntimeUnsupportedError);
      expect((error as RuntimeUnsupportedError).code).toBe("RUNTIME_DENO_ENGINE");
      expect((error as RuntimeUnsupportedError).exitStatus).toBe(12);
      expect((error as Error).message).toContain(`the C compiler (${cc}) failed`);
      expect((error as Error).message).toContain(why);
      expect(readdirSync(join(cache, "deno-engine"))).toEqual([]);
    }
  } finally {
    if (saved === undefined) delete process.env.CC;
    else process.env.CC = saved;
  }
});

test("Deno on macOS or Windows: a typed error before anything is loaded", () => {
  for (const os of ["darwin", "windows"]) {
    let opened = 0;
    const deno = { build: { os }, dlopen: () => ((opened += 1), { symbols: {}, close() {} }) };
    expect(() => loadEngineUnderDeno(deno)).toThrow(RuntimeUnsupportedError);
    try {
      loadEngineUnderDeno(deno);
    } catch (e) {
      expect((e as RuntimeUnsupportedError).code).toBe("RUNTIME_DENO_ENGINE");
      expect((e as Error).message).toBe(`deno: the engine's Node-API corrections for Deno are built for Linux only, not ${os}; run under Bun`);
    }
    expect(opened).toBe(0);
  }
});
