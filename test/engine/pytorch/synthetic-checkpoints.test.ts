/**
 * Checkpoints written by scripts/synthetic/pytorch-checkpoint.ts (which torch
 * itself reads): every dtype and view kind converts exactly; ZIP64 and other
 * folder names read the same; damaged, re-packed and hostile archives are refused
 * with typed errors and leave no output; conversions are cached by sha256.
 */
import { afterAll, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { convertCheckpointIntoCache } from "../../../src/engine/pytorch/cached-conversion";
import { TorchCheckpoint } from "../../../src/engine/pytorch/checkpoint";
import { checkpointTensors, convertCheckpoint } from "../../../src/engine/pytorch/convert";
import { ModelFileError } from "../../../src/errors";
import { toBfloat16Bytes, writeTorchCheckpoint, type TorchTensorSpec } from "../../../scripts/synthetic/pytorch-checkpoint";
import { readRawSafetensors } from "../../helpers/safetensors-raw";
import { allowSlowTests } from "../../helpers/timeout";

allowSlowTests();

const dir = mkdtempSync(join(tmpdir(), "mlx-asr-ptsyn-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bytes = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const f32 = (v: number[]) => bytes(new Float32Array(v));
const iota = (n: number) => Array.from({ length: n }, (_, i) => i);

const SPECS: TorchTensorSpec[] = [
  { name: "f32", dtype: "float32", shape: [2, 3], data: f32([1, 2, 3, 4, 5, 6.5]) },
  { name: "f16", dtype: "float16", shape: [3], data: bytes(new Float16Array([0.5, -7, 65504])) },
  { name: "bf16", dtype: "bfloat16", shape: [2], data: toBfloat16Bytes(f32([1.5, -3e38])) },
  { name: "f64", dtype: "float64", shape: [2], data: bytes(new Float64Array([0.1, -2.5])) },
  { name: "i64", dtype: "int64", shape: [], data: bytes(new BigInt64Array([-(2n ** 40n)])) },
  { name: "i32", dtype: "int32", shape: [2], data: bytes(new Int32Array([-3, 7])) },
  { name: "u8", dtype: "uint8", shape: [2], data: new Uint8Array([0, 255]) },
  { name: "flags", dtype: "bool", shape: [2], data: new Uint8Array([1, 0]) },
  { name: "grid", dtype: "int64", shape: [3, 4], data: bytes(new BigInt64Array(iota(12).map(BigInt))), storage: "g" },
  { name: "grid_t", dtype: "int64", shape: [4, 3], data: new Uint8Array(0), storage: "g", stride: [1, 4] },
  { name: "grid_odd_cols", dtype: "int64", shape: [3, 2], data: new Uint8Array(0), storage: "g", stride: [4, 2], offset: 1 },
  { name: "grid_row_1", dtype: "int64", shape: [4], data: new Uint8Array(0), storage: "g", offset: 4 },
  { name: "grid_expanded", dtype: "int64", shape: [2, 4], data: new Uint8Array(0), storage: "g", stride: [0, 1], offset: 8 },
  { name: "h", dtype: "bfloat16", shape: [2, 3], data: toBfloat16Bytes(f32(iota(6))), storage: "h" },
  { name: "h_t", dtype: "bfloat16", shape: [3, 2], data: new Uint8Array(0), storage: "h", stride: [1, 3] },
  { name: "empty", dtype: "float32", shape: [0, 4], data: new Uint8Array(0) },
];

/** What each tensor must convert to: dtype and row-major values. */
const EXPECTED: Record<string, { dtype: string; values: Uint8Array }> = {
  f32: { dtype: "F32", values: f32([1, 2, 3, 4, 5, 6.5]) },
  f16: { dtype: "F16", values: bytes(new Float16Array([0.5, -7, 65504])) },
  bf16: { dtype: "BF16", values: toBfloat16Bytes(f32([1.5, -3e38])) },
  f64: { dtype: "F32", values: f32([0.1, -2.5]) },
  i64: { dtype: "I64", values: bytes(new BigInt64Array([-(2n ** 40n)])) },
  i32: { dtype: "I32", values: bytes(new Int32Array([-3, 7])) },
  u8: { dtype: "U8", values: new Uint8Array([0, 255]) },
  flags: { dtype: "BOOL", values: new Uint8Array([1, 0]) },
  grid: { dtype: "I64", values: bytes(new BigInt64Array(iota(12).map(BigInt))) },
  grid_t: { dtype: "I64", values: bytes(new BigInt64Array([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11].map(BigInt))) },
  grid_odd_cols: { dtype: "I64", values: bytes(new BigInt64Array([1, 3, 5, 7, 9, 11].map(BigInt))) },
  grid_row_1: { dtype: "I64", values: bytes(new BigInt64Array([4, 5, 6, 7].map(BigInt))) },
  grid_expanded: { dtype: "I64", values: bytes(new BigInt64Array([8, 9, 10, 11, 8, 9, 10, 11].map(BigInt))) },
  h: { dtype: "BF16", values: toBfloat16Bytes(f32(iota(6))) },
  h_t: { dtype: "BF16", values: toBfloat16Bytes(f32([0, 3, 1, 4, 2, 5])) },
  empty: { dtype: "F32", values: new Uint8Array(0) },
};

function expectConverted(file: string, key?: string): void {
  const target = join(dir, `${Math.random().toString(36).slice(2)}.safetensors`);
  convertCheckpoint(file, target, { key });
  const { tensors } = readRawSafetensors(target);
  expect([...tensors.keys()]).toEqual(SPECS.map((s) => s.name));
  for (const spec of SPECS) {
    const got = tensors.get(spec.name)!;
    expect({ name: spec.name, dtype: got.dtype, shape: got.shape }).toEqual({ name: spec.name, dtype: EXPECTED[spec.name]!.dtype, shape: spec.shape });
    expect([spec.name, Buffer.from(got.bytes).equals(Buffer.from(EXPECTED[spec.name]!.values))]).toEqual([spec.name, true]);
  }
}

function refusal(file: string, target = join(dir, "refused.safetensors")): ModelFileError {
  try {
    convertCheckpoint(file, target);
  } catch (e) {
    expect(e).toBeInstanceOf(ModelFileError);
    expect((e as ModelFileError).message).toContain(file);
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes(".tmp"))).toEqual([]);
    return e as ModelFileError;
  }
  throw new Error(`expected ${file} to be refused`);
}

const plain = join(dir, "plain.pt");
writeTorchCheckpoint(plain, SPECS);

test("every dtype and view kind converts to the exact row-major values; bf16/f16 stay half, float64 becomes float32", () => {
  expectConverted(plain);
});

test("ZIP64 records, another folder name and a wrapping key read the same", () => {
  const wide = join(dir, "zip64.pt");
  writeTorchCheckpoint(wide, SPECS, { zip64: true, folder: "my_model", wrapKey: "state_dict" });
  expectConverted(wide, "state_dict");
  const checkpoint = TorchCheckpoint.open(wide);
  expect(checkpointTensors(checkpoint)[0]!.name).toBe("state_dict.f32");
  checkpoint.close();
});

/** The checkpoint's bytes with `edit` applied, written to a new file. */
function edited(name: string, edit: (b: Buffer) => void): string {
  const b = Buffer.from(readFileSync(plain));
  edit(b);
  const path = join(dir, name);
  writeFileSync(path, b);
  return path;
}

/** Offset of the central directory entry of `entry`. */
function centralEntry(b: Buffer, entry: string): number {
  const at = b.lastIndexOf(Buffer.from(`archive/${entry}`));
  return at - 46;
}

test("a damaged storage fails its CRC-32 check; no output is left", () => {
  const file = edited("damaged.pt", (b) => {
    const record = b.indexOf(Buffer.from("archive/data/0"));
    const dataAt = record + "archive/data/0".length + b.readUInt16LE(record - 2);
    b[dataAt + 5]! ^= 0x40;
  });
  expect(refusal(file).message).toMatch(/archive\/data\/0 fails its CRC-32 check/);
});

test("a re-packed (deflated) archive is refused, saying how to fix it", () => {
  const file = edited("deflated.pt", (b) => b.writeUInt16LE(8, centralEntry(b, "data/3") + 10));
  const e = refusal(file);
  expect(e.code).toBe("CHECKPOINT_UNSUPPORTED");
  expect(e.message).toMatch(/"archive\/data\/3" is compressed \(method 8\).*torch\.save/);
});

test("a big-endian checkpoint is refused as unsupported", () => {
  const file = edited("big-endian.pt", (b) => {
    const at = b.indexOf(Buffer.from("little"), b.indexOf(Buffer.from("archive/byteorder")));
    b.write("big   ", at);
  });
  expect(refusal(file).message).toMatch(/big-endian/);
});

test("a storage the pickle names but the archive lacks is a corrupt checkpoint", () => {
  const file = edited("missing-record.pt", (b) => b.write("X", centralEntry(b, "data/2") + 46 + "archive/data/".length));
  const e = refusal(file);
  expect(e.code).toBe("CHECKPOINT_CORRUPT");
  expect(e.message).toMatch(/no archive\/data\/2/);
});

test("a record whose size disagrees with the pickle is a corrupt checkpoint", () => {
  const file = edited("short-record.pt", (b) => {
    const at = centralEntry(b, "data/0");
    b.writeUInt32LE(b.readUInt32LE(at + 24) - 4, at + 20);
    b.writeUInt32LE(b.readUInt32LE(at + 24) - 4, at + 24);
  });
  expect(refusal(file).message).toMatch(/archive\/data\/0 holds 20 bytes, but the pickle says 6 × float32 \(24 bytes\)/);
});

test("every truncation of a checkpoint is a typed error, never a crash", () => {
  const whole = readFileSync(plain);
  for (const n of [0, 1, 4, 30, 100, whole.length >> 1, whole.length - 23, whole.length - 1]) {
    const file = join(dir, `cut-${n}.pt`);
    writeFileSync(file, whole.subarray(0, n));
    expect(refusal(file).code).toMatch(/^CHECKPOINT_(TRUNCATED|CORRUPT)$/);
  }
});

test("files that are no checkpoint at all", () => {
  const text = join(dir, "notes.pt");
  writeFileSync(text, "just some text, not a checkpoint\n");
  expect(refusal(text).message).toMatch(/neither a ZIP archive.*nor a pickle/);
  const tar = join(dir, "old.pt");
  const header = Buffer.alloc(1024);
  header.write("ustar", 257);
  writeFileSync(tar, header);
  expect(refusal(tar).message).toMatch(/tar-format checkpoint from torch < 0\.4/);
  expect(refusal(join(dir, "absent.pt")).code).toBe("FILE_MISSING");
});

test("a view that would blow a small file up into gigabytes is refused before writing", () => {
  const file = join(dir, "bomb.pt");
  writeTorchCheckpoint(file, [{ name: "x", dtype: "float32", shape: [60000, 60000], stride: [0, 0], data: f32([1]) }]);
  const e = refusal(file);
  expect(e.code).toBe("CHECKPOINT_EXPANDS");
});

test("the source's sha256 is remembered by size, modification time and inode: a later load does not read the checkpoint again", () => {
  const cache = join(dir, "stamped-cache");
  const source = join(dir, "stamped.pt");
  const other = join(dir, "stamped-other.pt");
  writeTorchCheckpoint(source, [{ name: "w", dtype: "float32", shape: [2], data: f32([1, 2]) }]);
  writeTorchCheckpoint(other, [{ name: "w", dtype: "float32", shape: [2], data: f32([3, 4]) }]);
  // Whole seconds, which utimes can set back exactly.
  const [atime, mtime] = [new Date(1_700_000_000_000), new Date(1_700_000_000_000)];
  utimesSync(source, atime, mtime);
  const first = convertCheckpointIntoCache(source, cache);
  // Other bytes of the same size written in place, the time set back: only the stamp can still name the first copy.
  const replacement = readFileSync(other);
  expect(replacement.length).toBe(statSync(source).size);
  writeFileSync(source, replacement);
  utimesSync(source, atime, mtime);
  expect(convertCheckpointIntoCache(source, cache)).toEqual({ path: first.path, reused: true });
  // A new modification time: the file is hashed again and converted anew.
  utimesSync(source, atime, new Date(mtime.getTime() + 5000));
  const sha = createHash("sha256").update(replacement).digest("hex");
  expect(convertCheckpointIntoCache(source, cache)).toEqual({ path: join(cache, `${sha}.safetensors`), reused: false });
});

test("a checkpoint with no tensors says so", () => {
  const file = join(dir, "none.pt");
  writeTorchCheckpoint(file, []);
  expect(refusal(file).code).toBe("CHECKPOINT_NO_TENSORS");
});

test("the cache: keyed by the source's sha256 (and key), reused on the second call, replaced when damaged", () => {
  const cache = join(dir, "cache");
  const sha = createHash("sha256").update(readFileSync(plain)).digest("hex");
  const first = convertCheckpointIntoCache(plain, cache);
  expect(first).toEqual({ path: join(cache, `${sha}.safetensors`), reused: false });
  expect(readRawSafetensors(first.path).metadata.source_sha256).toBe(sha);
  expect(convertCheckpointIntoCache(plain, cache)).toEqual({ path: first.path, reused: true });

  writeFileSync(first.path, "damaged");
  expect(convertCheckpointIntoCache(plain, cache)).toEqual({ path: first.path, reused: false });
  expect(readRawSafetensors(first.path).tensors.size).toBe(SPECS.length);

  const wrapped = join(dir, "wrapped.pt");
  writeTorchCheckpoint(wrapped, SPECS, { wrapKey: "model" });
  const keyed = convertCheckpointIntoCache(wrapped, cache, { key: "model" });
  expect(keyed.path).toMatch(/\.model\.safetensors$/);
  expect([...readRawSafetensors(keyed.path).tensors.keys()][0]).toBe("f32");
  expect(readdirSync(cache).filter((f) => f.includes(".tmp"))).toEqual([]);
});
