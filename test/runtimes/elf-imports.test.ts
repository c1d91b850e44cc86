/** renameImports on the engine's real mlx.node: exactly the imports it has of the corrected names change, in place. */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { IoError } from "../../src/errors";
import { DENO_NAPI_RENAMES } from "../../src/runtimes/deno-engine-copy";
import { renameImports } from "../../src/runtimes/elf-imports";
import { runtimeName } from "../../src/runtime";

const binaryPath = join(dirname(createRequire(import.meta.url).resolve("@frost-beta/mlx/package.json")), "build", "Release", "mlx.node");
const RENAMES = DENO_NAPI_RENAMES;

function differingBytes(a: Buffer, b: Buffer): number[] {
  const at: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) at.push(i);
  return at;
}

test.skipIf(process.platform !== "linux")("the two imports are renamed in .dynstr and nothing else changes", () => {
  const original = readFileSync(binaryPath);
  const { patched, renamed } = renameImports(original, RENAMES, binaryPath);
  // The engine imports napi_get_value_int32 and napi_get_new_target, not napi_get_value_uint32.
  expect(renamed).toEqual(["napi_get_value_int32", "napi_get_new_target"]);
  expect(patched.length).toBe(original.length);
  const changed = differingBytes(original, patched);
  // "napi" -> "mlxa" at the start of each name: 4 bytes each.
  expect(changed.length).toBe(8);
  for (const from of renamed) {
    const to = RENAMES[from as keyof typeof RENAMES];
    const at = patched.indexOf(Buffer.from(`\0${to}\0`)) + 1;
    expect(at).toBeGreaterThan(0);
    expect(original.toString("latin1", at, at + from.length)).toBe(from);
  }
  expect(differingBytes(original, readFileSync(binaryPath))).toEqual([]);
});

test("a file that is not an ELF object, and a name only found inside a longer one, are typed errors", () => {
  expect(() => renameImports(Buffer.from("not an ELF file at all, just text, long enough to have a header".repeat(2)), RENAMES, "x.node")).toThrow(IoError);
  if (process.platform !== "linux") return;
  try {
    // Present only as the tail of "napi_get_value_int32": renaming it would rename that import by half.
    renameImports(readFileSync(binaryPath), { get_value_int32: "xyz_value_int32" }, binaryPath);
    throw new Error("no error");
  } catch (e) {
    expect((e as IoError).code).toBe("ENGINE_IMPORT_LAYOUT");
  }
});

test.skipIf(process.platform !== "linux")("a name the object does not import is left alone", () => {
  const original = readFileSync(binaryPath);
  const { patched, renamed } = renameImports(original, { napi_no_such_function: "mlxa_no_such_function" }, binaryPath);
  expect(renamed).toEqual([]);
  expect(differingBytes(original, patched)).toEqual([]);
});

test("runtime.ts detects Bun under bun test", () => {
  expect(runtimeName()).toBe("bun");
});
