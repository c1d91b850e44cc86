/**
 * The Node-API corrections (src/runtimes/deno-napi-shim.c) against the Node-API
 * documentation: an addon whose imports are renamed as the engine's are gets, under
 * Deno, the answers Node gives (napi_number_expected for anything but a number,
 * recorded as the last error, no exception left pending; NULL new.target on a plain call).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mx } from "../../src/engine/mlx.ts";
import { DENO_NAPI_RENAMES } from "../../src/runtimes/deno-engine-copy.ts";
import { renameImports } from "../../src/runtimes/elf-imports.ts";
import { ROOT, smokeTest } from "./harness.ts";

interface Probe {
  int32(value: unknown): string;
  uint32(value: unknown): string;
  target: { (): { target: string }; new (): { target: string } };
}

/** The probe addon compiled, its imports renamed, and loaded (the engine has bound the corrections). */
function probe(): Probe {
  const dir = mkdtempSync(join(tmpdir(), "mlx-asr-napi-probe-"));
  const built = join(dir, "built.node");
  const cc = spawnSync(process.env.CC || "cc", ["-shared", "-fPIC", "-O2", join(ROOT, "test/deno/fixtures/napi-probe.c"), "-o", built], { encoding: "utf8" });
  assert.equal(cc.status, 0, cc.stderr);
  const { patched, renamed } = renameImports(readFileSync(built), DENO_NAPI_RENAMES, built);
  assert.deepEqual(renamed.sort(), Object.keys(DENO_NAPI_RENAMES).sort());
  writeFileSync(join(dir, "probe.node"), patched);
  assert.equal(mx.sum(mx.ones([2, 3]), [0, 1]).item(), 6);
  return createRequire(import.meta.url)(join(dir, "probe.node")) as Probe;
}

// "<status>:<result>:<last error>:<exception pending>", as Node 20 answers (napi_ok 0, napi_number_expected 6).
const NUMBERS: [string, unknown, string, string][] = [
  ["3", 3, "0:3:0:0", "0:3:0:0"],
  ["2.7", 2.7, "0:2:0:0", "0:2:0:0"],
  ["-1", -1, "0:-1:0:0", "0:4294967295:0:0"],
  ["2^32 + 5", 2 ** 32 + 5, "0:5:0:0", "0:5:0:0"],
  ["NaN", NaN, "0:0:0:0", "0:0:0:0"],
  ["Infinity", Infinity, "0:0:0:0", "0:0:0:0"],
];
const NOT_NUMBERS: [string, unknown][] = [
  ["[2, 3]", [2, 3]],
  ["undefined", undefined],
  ["null", null],
  ['"5"', "5"],
  ["true", true],
  ["{}", {}],
  ["5n", 5n],
  ["new Number(4)", new Number(4)],
];

smokeTest({ name: "Node-API corrections: int32 and uint32 take numbers only, new.target is NULL on a plain call", fn: () => {
  const addon = probe();
  for (const [label, value, int32, uint32] of NUMBERS) {
    assert.equal(addon.int32(value), int32, `int32 of ${label}`);
    assert.equal(addon.uint32(value), uint32, `uint32 of ${label}`);
  }
  for (const [label, value] of NOT_NUMBERS) {
    assert.equal(addon.int32(value), "6:-7:6:0", `int32 of ${label}`);
    assert.equal(addon.uint32(value), "6:7:6:0", `uint32 of ${label}`);
  }
  assert.deepEqual(addon.target(), { target: "null" });
  assert.deepEqual(new addon.target(), { target: "set" });
} });
