/**
 * Safetensors files: validated in TypeScript before the engine sees them (the
 * engine segfaults on a corrupt file), then loaded; and written atomically.
 */
import { closeSync, fstatSync, openSync, readSync, renameSync, rmSync } from "node:fs";
import { ModelFileError } from "../errors";
import { mx, type Tensor } from "./mlx";

/** Bytes per element of every dtype the engine can load. */
export const DTYPE_SIZES: Readonly<Record<string, number>> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  U16: 2,
  I16: 2,
  F16: 2,
  BF16: 2,
  U32: 4,
  I32: 4,
  F32: 4,
  U64: 8,
  I64: 8,
};

/** Headers above this size are not safetensors files (the format caps them at 100 MB). */
const MAX_HEADER_BYTES = 100_000_000;

export interface TensorInfo {
  readonly dtype: string;
  readonly shape: readonly number[];
  /** Offsets relative to the start of the data section. */
  readonly begin: number;
  readonly end: number;
}

export interface SafetensorsHeader {
  readonly path: string;
  readonly tensors: ReadonlyMap<string, TensorInfo>;
  readonly metadata: Readonly<Record<string, string>>;
  readonly fileBytes: number;
}

function bad(path: string, detail: string): ModelFileError {
  return new ModelFileError("SAFETENSORS_CORRUPT", path, `not a valid safetensors file: ${detail}`);
}

function isNonNegativeInteger(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

/** Reads and checks the header of a safetensors file without reading its data. */
export function readSafetensorsHeader(path: string): SafetensorsHeader {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ModelFileError(
      code === "ENOENT" ? "FILE_MISSING" : "FILE_UNREADABLE",
      path,
      code === "ENOENT" ? "file does not exist" : `cannot be read (${code ?? String(e)})`,
    );
  }
  try {
    const fileBytes = fstatSync(fd).size;
    if (fileBytes < 8) throw bad(path, `file is ${fileBytes} bytes, shorter than the 8-byte header length`);
    const lengthBytes = Buffer.alloc(8);
    readSync(fd, lengthBytes, 0, 8, 0);
    const headerLength = lengthBytes.readBigUInt64LE(0);
    if (headerLength === 0n) throw bad(path, "header length is 0");
    if (headerLength > BigInt(Math.min(MAX_HEADER_BYTES, fileBytes - 8))) {
      throw bad(path, `header length ${headerLength} exceeds the ${fileBytes - 8} bytes after the length field`);
    }
    const n = Number(headerLength);
    const headerBytes = Buffer.alloc(n);
    readSync(fd, headerBytes, 0, n, 8);
    return parseHeader(path, headerBytes, fileBytes, 8 + n);
  } finally {
    closeSync(fd);
  }
}

function parseHeader(path: string, headerBytes: Buffer, fileBytes: number, dataStart: number): SafetensorsHeader {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(headerBytes));
  } catch (e) {
    throw bad(path, `header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw bad(path, "header is not a JSON object");
  const dataBytes = fileBytes - dataStart;
  const tensors = new Map<string, TensorInfo>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(json as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (entry === null) continue; // the engine itself writes null when there is no metadata
      if (typeof entry !== "object" || entry === null || Object.values(entry).some((v) => typeof v !== "string")) {
        throw bad(path, "__metadata__ must map strings to strings");
      }
      metadata = entry as Record<string, string>;
      continue;
    }
    tensors.set(name, parseEntry(path, name, entry, dataBytes));
  }
  const sorted = [...tensors.entries()].sort((a, b) => a[1].begin - b[1].begin || a[1].end - b[1].end);
  for (let i = 1; i < sorted.length; i++) {
    const [prevName, prev] = sorted[i - 1]!;
    const [name, info] = sorted[i]!;
    if (info.begin < prev.end) {
      throw bad(path, `tensors "${prevName}" [${prev.begin}, ${prev.end}) and "${name}" [${info.begin}, ${info.end}) overlap`);
    }
  }
  return { path, tensors, metadata, fileBytes };
}

function parseEntry(path: string, name: string, entry: unknown, dataBytes: number): TensorInfo {
  if (typeof entry !== "object" || entry === null) throw bad(path, `entry "${name}" is not an object`);
  const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
  if (typeof dtype !== "string") throw bad(path, `tensor "${name}" has no dtype`);
  if (dtype === "F64") {
    throw new ModelFileError("SAFETENSORS_DTYPE", path, `tensor "${name}" is float64, which the engine cannot load; convert it to float32`);
  }
  const size = DTYPE_SIZES[dtype];
  if (size === undefined) throw bad(path, `tensor "${name}" has unknown dtype "${dtype}"`);
  if (!Array.isArray(shape) || !shape.every(isNonNegativeInteger)) {
    throw bad(path, `tensor "${name}" has an invalid shape ${JSON.stringify(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeInteger)) {
    throw bad(path, `tensor "${name}" has invalid data_offsets ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  const expected = (shape as number[]).reduce((a, b) => a * b, 1) * size;
  if (end < begin || end - begin !== expected) {
    throw bad(path, `tensor "${name}" (${dtype} ${JSON.stringify(shape)}) needs ${expected} bytes but data_offsets span ${end - begin}`);
  }
  if (end > dataBytes) {
    throw bad(path, `tensor "${name}" ends at byte ${end} of the data section, but the file holds only ${dataBytes} data bytes (truncated?)`);
  }
  return { dtype, shape: shape as number[], begin, end };
}

/** Validates, then loads every tensor of a safetensors file. */
export function loadSafetensors(path: string): Record<string, Tensor> {
  readSafetensorsHeader(path);
  try {
    return mx.load(path) as unknown as Record<string, Tensor>;
  } catch (e) {
    throw new ModelFileError("SAFETENSORS_LOAD", path, `the engine could not load it (${(e as Error).message})`);
  }
}

/** Writes tensors to `path` through a temporary file, so a reader never sees half a file. */
export function saveSafetensors(path: string, tensors: Record<string, Tensor>, metadata?: Record<string, string>): void {
  // The engine appends ".safetensors" to names without it, so the temporary name keeps the suffix.
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp.safetensors`;
  try {
    mx.saveSafetensors(tmp, tensors, metadata);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
