/**
 * A tensor's elements in row-major order, read from its storage in the file and
 * handed to a sink a chunk at a time: contiguous views are copied range by
 * range, other views (transposed, strided, expanded) are gathered from the span
 * of the storage they touch. A record read whole is checked against its CRC-32.
 */
import { crc32 } from "node:zlib";
import { checkpointCorrupt } from "./checkpoint-errors";
import type { StorageLocation, TorchCheckpoint } from "./checkpoint";
import type { TorchTensor } from "./pickle-values";
import { isContiguous, lastIndex } from "./tensor-geometry";

/** Bytes handed to the sink at once; the buffer is reused, so the sink must consume it before returning. */
const CHUNK_BYTES = 8 << 20;

export type ByteSink = (chunk: Uint8Array) => void;

function checkCrc(checkpoint: TorchCheckpoint, location: StorageLocation, actual: number): void {
  if (location.crc32 !== null && actual !== location.crc32) {
    throw checkpointCorrupt(checkpoint.path, `${location.label} fails its CRC-32 check (the file is damaged)`);
  }
}

function copyRange(checkpoint: TorchCheckpoint, tensor: TorchTensor, location: StorageLocation, sink: ByteSink): void {
  const size = tensor.dtype.bytes;
  const begin = location.offset + tensor.offset * size;
  const length = tensor.numel * size;
  const wholeRecord = tensor.offset === 0 && length === location.bytes;
  const buffer = new Uint8Array(Math.min(CHUNK_BYTES, length));
  let crc = 0;
  for (let done = 0; done < length; ) {
    const chunk = buffer.subarray(0, Math.min(buffer.length, length - done));
    checkpoint.file.readInto(chunk, begin + done, location.label);
    if (wholeRecord) crc = crc32(chunk, crc);
    sink(chunk);
    done += chunk.length;
  }
  if (wholeRecord && length > 0) checkCrc(checkpoint, location, crc);
}

type WordArray = Uint8Array | Uint16Array | Uint32Array;

function words(bytes: Uint8Array, wordBytes: number): WordArray {
  const { buffer, byteOffset, byteLength } = bytes;
  if (wordBytes === 1) return bytes;
  return wordBytes === 2 ? new Uint16Array(buffer, byteOffset, byteLength / 2) : new Uint32Array(buffer, byteOffset, byteLength / 4);
}

function gather(checkpoint: TorchCheckpoint, tensor: TorchTensor, location: StorageLocation, sink: ByteSink): void {
  const size = tensor.dtype.bytes;
  const first = tensor.offset;
  const span = lastIndex(tensor.offset, tensor.shape, tensor.stride) - first + 1;
  const source = checkpoint.file.read(location.offset + first * size, span * size, location.label);
  if (first === 0 && span * size === location.bytes) checkCrc(checkpoint, location, crc32(source));

  const dims = tensor.shape.map((n, d) => ({ n, stride: tensor.stride[d]! })).filter((d) => d.n !== 1);
  const inner = dims.pop() ?? { n: 1, stride: 1 };
  const rows = dims.reduce((a, d) => a * d.n, 1);
  const buffer = new Uint8Array(Math.min(Math.floor(CHUNK_BYTES / size) * size, tensor.numel * size));
  const wordBytes = Math.min(size, 4);
  const perElement = size / wordBytes;
  const from = words(source, wordBytes);
  const to = words(buffer, wordBytes);
  const capacity = buffer.length / size;
  const counter = dims.map(() => 0);
  let fill = 0;
  let row = 0;
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < inner.n; ) {
      const take = Math.min(inner.n - k, capacity - fill);
      if (inner.stride === 1) {
        buffer.set(source.subarray((row + k) * size, (row + k + take) * size), fill * size);
      } else {
        for (let e = 0; e < take; e++) {
          const src = (row + (k + e) * inner.stride) * perElement;
          const dst = (fill + e) * perElement;
          for (let w = 0; w < perElement; w++) to[dst + w] = from[src + w]!;
        }
      }
      fill += take;
      k += take;
      if (fill === capacity) {
        sink(buffer);
        fill = 0;
      }
    }
    for (let d = dims.length - 1; d >= 0; d--) {
      row += dims[d]!.stride;
      if (++counter[d]! < dims[d]!.n) break;
      row -= dims[d]!.stride * dims[d]!.n;
      counter[d] = 0;
    }
  }
  if (fill > 0) sink(buffer.subarray(0, fill * size));
}

/** Streams the tensor's bytes (its storage dtype, little-endian, row-major) to `sink`. */
export function streamTensorBytes(checkpoint: TorchCheckpoint, tensor: TorchTensor, sink: ByteSink): void {
  if (tensor.numel === 0) return;
  const location = checkpoint.locate(tensor.storage);
  if (isContiguous(tensor)) copyRange(checkpoint, tensor, location, sink);
  else gather(checkpoint, tensor, location, sink);
}

/** The tensor's bytes in one array; for small tensors and tests. */
export function readTensorBytes(checkpoint: TorchCheckpoint, tensor: TorchTensor): Uint8Array {
  const out = new Uint8Array(tensor.numel * tensor.dtype.bytes);
  let at = 0;
  streamTensorBytes(checkpoint, tensor, (chunk) => {
    out.set(chunk, at);
    at += chunk.length;
  });
  return out;
}
