/**
 * Writing a safetensors file a tensor at a time, for data that never sits in
 * memory whole: the header is planned from names, dtypes and shapes, the data is
 * appended in order, and the file appears under its name only once complete and
 * valid (temporary file + rename).
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { IoError, ModelFileError, isAsrError } from "../errors";
import { DTYPE_SIZES, readSafetensorsHeader } from "./safetensors";

export interface PlannedTensor {
  readonly name: string;
  /** A safetensors dtype ("F32", "BF16", "I64", …). */
  readonly dtype: string;
  readonly shape: readonly number[];
}

/** Data bytes a planned tensor takes. */
export function plannedBytes(tensor: PlannedTensor): number {
  const size = DTYPE_SIZES[tensor.dtype];
  if (size === undefined) throw new ModelFileError("SAFETENSORS_DTYPE", tensor.name, `dtype "${tensor.dtype}" cannot be written to safetensors`);
  return tensor.shape.reduce((a, b) => a * b, 1) * size;
}

function header(tensors: readonly PlannedTensor[], metadata: Record<string, string>): Uint8Array {
  const entries: Record<string, unknown> = Object.create(null);
  entries.__metadata__ = metadata;
  const names = new Set(["__metadata__"]);
  let offset = 0;
  for (const t of tensors) {
    if (names.has(t.name)) throw new ModelFileError("SAFETENSORS_NAME", t.name, "tensor name appears twice or is reserved");
    names.add(t.name);
    const end = offset + plannedBytes(t);
    entries[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, end] };
    offset = end;
  }
  const json = new TextEncoder().encode(JSON.stringify(entries));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded).fill(0x20, 8 + json.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  return out;
}

/** File-system failures (no space, no permission) as typed errors; typed errors pass through. */
function ioError(path: string, e: unknown): unknown {
  if (isAsrError(e)) return e;
  const code = (e as NodeJS.ErrnoException).code;
  if (typeof code !== "string") return e;
  return new IoError("OUTPUT_UNWRITABLE", path, `cannot be written (${code})`);
}

export class SafetensorsFileWriter {
  private written = 0;
  private fd: number;

  private constructor(
    readonly path: string,
    private readonly tmp: string,
    private readonly dataBytes: number,
    headerBytes: Uint8Array,
  ) {
    this.fd = -1;
    try {
      this.fd = openSync(tmp, "wx");
      this.append(headerBytes);
    } catch (e) {
      this.abort();
      throw ioError(path, e);
    }
  }

  static create(path: string, tensors: readonly PlannedTensor[], metadata: Record<string, string> = {}): SafetensorsFileWriter {
    const headerBytes = header(tensors, metadata);
    const dataBytes = tensors.reduce((s, t) => s + plannedBytes(t), 0);
    const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`;
    return new SafetensorsFileWriter(path, tmp, dataBytes, headerBytes);
  }

  private append(bytes: Uint8Array): void {
    for (let done = 0; done < bytes.length; ) done += writeSync(this.fd, bytes, done, bytes.length - done);
  }

  /** Appends the next tensor data bytes, in the planned order. */
  write(chunk: Uint8Array): void {
    if (this.written + chunk.length > this.dataBytes) throw new Error(`safetensors writer: ${this.written + chunk.length} data bytes exceed the planned ${this.dataBytes}`);
    try {
      this.append(chunk);
    } catch (e) {
      throw ioError(this.path, e);
    }
    this.written += chunk.length;
  }

  /** Checks the file is whole and valid, then moves it to its name. */
  commit(): void {
    try {
      if (this.written !== this.dataBytes) throw new Error(`safetensors writer: ${this.written} data bytes written, ${this.dataBytes} planned`);
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = -1;
      readSafetensorsHeader(this.tmp);
      renameSync(this.tmp, this.path);
    } catch (e) {
      this.abort();
      throw ioError(this.path, e);
    }
  }

  /** Removes the partial file. */
  abort(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    rmSync(this.tmp, { force: true });
  }
}
