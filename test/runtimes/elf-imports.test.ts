/** renameImports on the engine's real mlx.node: exactly the two names change, in place. */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { IoError } from "../../src/errors";
import { renameImports } from "../../src/runtimes/elf-imports";
import { runtimeName } from "../../src/runtime";

const binaryPath = join(dirname(createRequire(import.meta.url).resolve("@frost-beta/mlx/package.json")), "build", "Release", "mlx.node");
const RENAMES = { napi_get_value_int32: "mlxa_get_value_int32", napi_get_new_target: "mlxa_get_new_target" };

function differingBytes(a: Buffer, b: Buffer): number[] {
  const at: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) at.push(i);
  return at;
}

test.skipIf(process.platform !== "linux")("the two imports are renamed in .dynstr and nothing else changes", () => {
  const original = readFileSync(binaryPath);
  const patched = renameImports(original, RENAMES, binaryPath);
  expect(patched.length).toBe(original.length);
  const changed = differingBytes(original, patched);
  // "napi" -> "mlxa" at the start of each name: 4 bytes each.
  expect(changed.length).toBe(8);
  for (const [from, to] of Object.entries(RENAMES)) {
    const at = patched.indexOf(Buffer.from(`\0${to}\0`)) + 1;
    expect(at).toBeGreaterThan(0);
    expect(original.toString("latin1", at, at + from.length)).toBe(from);
  }
  expect(differingBytes(original, readFileSync(binaryPath))).toEqual([]);
});

test("a file that is not an ELF object, and a name it does not import, are typed errors", () => {
  expect(() => renameImports(Buffer.from("not an ELF file at all, just text, long enough to have a header".repeat(2)), RENAMES, "x.node")).toThrow(IoError);
  if (process.platform !== "linux") return;
  try {
    renameImports(readFileSync(binaryPath), { napi_no_such_function: "mlxa_no_such_function" }, binaryPath);
    throw new Error("no error");
  } catch (e) {
    expect((e as IoError).code).toBe("ENGINE_IMPORT_LAYOUT");
  }
});

test("runtime.ts detects Bun under bun test", () => {
  expect(runtimeName()).toBe("bun");
});
