/**
 * Moving numbers between JS typed arrays and engine tensors.
 *
 * The engine's array constructor takes only nested JS arrays (no TypedArray),
 * which costs ~100 ns per element. Large arrays go instead through a small
 * safetensors file in the temp directory, which the engine reads at memory speed
 * (480k floats: 50 ms via Array.from, 6 ms via the file).
 */
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mx, type Tensor } from "./mlx";

const FILE_TRANSFER_MIN_ELEMENTS = 16_384;
let transferCounter = 0;

type HostArray = Float32Array | Int32Array | Uint32Array;

function dtypeName(data: HostArray): "F32" | "I32" | "U32" {
  if (data instanceof Float32Array) return "F32";
  if (data instanceof Int32Array) return "I32";
  return "U32";
}

function engineDtype(data: HostArray) {
  if (data instanceof Float32Array) return mx.float32;
  if (data instanceof Int32Array) return mx.int32;
  return mx.uint32;
}

/** Copies a typed array into a new tensor of the given shape (default: 1-D). */
export function toTensor(data: HostArray, shape: readonly number[] = [data.length]): Tensor {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new Error(`toTensor: ${data.length} values do not fill shape [${shape.join(", ")}]`);
  if (data.length < FILE_TRANSFER_MIN_ELEMENTS) {
    return mx.array(Array.from(data), engineDtype(data)).reshape([...shape]);
  }
  const header = JSON.stringify({ t: { dtype: dtypeName(data), shape, data_offsets: [0, data.byteLength] } });
  const headerBytes = Buffer.from(header.padEnd(Math.ceil(header.length / 8) * 8, " "));
  const file = Buffer.allocUnsafe(8 + headerBytes.length + data.byteLength);
  file.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(file, 8);
  Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(file, 8 + headerBytes.length);
  const path = join(tmpdir(), `mlx-asr-${process.pid}-${transferCounter++}.safetensors`);
  try {
    writeFileSync(path, file);
    const tensor = (mx.load(path) as unknown as Record<string, Tensor>).t!;
    mx.eval(tensor);
    return tensor;
  } finally {
    rmSync(path, { force: true });
  }
}

/** Reads a tensor back as a flat Float32Array (in row-major order). */
export function toFloat32Array(t: Tensor): Float32Array {
  const flat = t.astype(mx.float32).reshape([-1]).tolist() as number[];
  return Float32Array.from(flat);
}

/** Reads a tensor back as a flat Int32Array. */
export function toInt32Array(t: Tensor): Int32Array {
  const flat = t.astype(mx.int32).reshape([-1]).tolist() as number[];
  return Int32Array.from(flat);
}

/** Reads a scalar (0-d or single-element) tensor as a number. */
export function toNumber(t: Tensor): number {
  return Number(t.item());
}
