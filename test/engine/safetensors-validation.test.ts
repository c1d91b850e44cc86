/**
 * Corrupt safetensors files are refused in TypeScript with a ModelFileError
 * naming the file and the problem; the engine (which segfaults on them) never
 * sees them, and the command line exits with the model-files status.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSafetensors, readSafetensorsHeader, saveSafetensors } from "../../src/engine/safetensors";
import { mx } from "../../src/engine/mlx";
import { EXIT_STATUS, ModelFileError } from "../../src/errors";
import { runCli } from "../helpers/cli";
import { MODEL_DIR } from "../helpers/fixtures";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

const dir = mkdtempSync(join(tmpdir(), "mlx-asr-st-"));

function file(header: unknown, dataBytes: number, rawHeader?: string, lengthOverride?: bigint): Uint8Array {
  const text = rawHeader ?? JSON.stringify(header);
  const h = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + h.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, lengthOverride ?? BigInt(h.length), true);
  out.set(h, 8);
  return out;
}

const ok = { a: { dtype: "F32", shape: [2, 2], data_offsets: [0, 16] } };

const CASES: { name: string; bytes: Uint8Array; message: RegExp }[] = [
  { name: "shorter than the length field", bytes: new Uint8Array([1, 2, 3]), message: /shorter than the 8-byte header length/ },
  { name: "header length beyond the file", bytes: file(ok, 16, undefined, 10_000n), message: /header length 10000 exceeds/ },
  { name: "header length zero", bytes: file(ok, 16, undefined, 0n), message: /header length is 0/ },
  { name: "header not JSON", bytes: file(null, 16, "{not json"), message: /not valid UTF-8 JSON/ },
  { name: "header a JSON array", bytes: file([1, 2], 16), message: /not a JSON object/ },
  { name: "unknown dtype", bytes: file({ a: { dtype: "F33", shape: [4], data_offsets: [0, 16] } }, 16), message: /unknown dtype "F33"/ },
  { name: "float64 tensor", bytes: file({ a: { dtype: "F64", shape: [2], data_offsets: [0, 16] } }, 16), message: /float64/ },
  { name: "negative shape", bytes: file({ a: { dtype: "F32", shape: [-1, 4], data_offsets: [0, 16] } }, 16), message: /invalid shape/ },
  { name: "size mismatch", bytes: file({ a: { dtype: "F32", shape: [3, 2], data_offsets: [0, 16] } }, 16), message: /needs 24 bytes but data_offsets span 16/ },
  { name: "offsets beyond the file", bytes: file({ a: { dtype: "F32", shape: [2, 2], data_offsets: [8, 24] } }, 16), message: /ends at byte 24.*only 16 data bytes/ },
  { name: "truncated data", bytes: file(ok, 10), message: /truncated/ },
  {
    name: "overlapping tensors",
    bytes: file({ a: { dtype: "F32", shape: [2], data_offsets: [0, 8] }, b: { dtype: "F32", shape: [2], data_offsets: [4, 12] } }, 16),
    message: /"a" \[0, 8\) and "b" \[4, 12\) overlap/,
  },
  { name: "bad offsets type", bytes: file({ a: { dtype: "F32", shape: [2], data_offsets: "0-8" } }, 8), message: /invalid data_offsets/ },
  { name: "bad metadata", bytes: file({ __metadata__: { k: 1 }, ...ok }, 16), message: /__metadata__/ },
];

describe.each(CASES)("corrupt safetensors: $name", ({ name, bytes, message }) => {
  const path = join(dir, `${name.replace(/\W+/g, "_")}.safetensors`);
  writeFileSync(path, bytes);

  test("is refused before the engine loads it", () => {
    let error: unknown;
    try {
      loadSafetensors(path);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ModelFileError);
    expect((error as ModelFileError).message).toContain(path);
    expect((error as ModelFileError).message).toMatch(message);
  });

  test("through the command line: one line, model-files exit status, no crash", () => {
    const r = runCli(["inspect", "features", "--model", MODEL_DIR, "--input", path, "--out", join(dir, "o.safetensors")]);
    expect(r.status).toBe(EXIT_STATUS.model_files);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });
});

test("a valid file round-trips, and the engine's own null metadata is accepted", () => {
  const path = join(dir, "good.safetensors");
  saveSafetensors(path, { x: mx.arange(6, mx.float32).reshape([2, 3]), n: mx.array([1, 2], mx.int32) });
  const header = readSafetensorsHeader(path);
  expect([...header.tensors.keys()].sort()).toEqual(["n", "x"]);
  expect(header.tensors.get("x")!.shape).toEqual([2, 3]);
  expect(loadSafetensors(path).x!.tolist()).toEqual([[0, 1, 2], [3, 4, 5]]);
});

test("a missing file is FILE_MISSING", () => {
  expect(() => loadSafetensors(join(dir, "absent.safetensors"))).toThrow(/does not exist/);
});
