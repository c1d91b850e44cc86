/** A safetensors file's tensors as raw bytes (no engine involved), and exact widening of half floats to float32. */
import { readFileSync } from "node:fs";
import { readSafetensorsHeader } from "../../src/engine/safetensors";

export interface RawTensor {
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly bytes: Uint8Array;
}

export function readRawSafetensors(path: string): { tensors: Map<string, RawTensor>; metadata: Record<string, string> } {
  const header = readSafetensorsHeader(path);
  const file = readFileSync(path);
  const dataStart = 8 + Number(file.readBigUInt64LE(0));
  const tensors = new Map<string, RawTensor>();
  for (const [name, t] of header.tensors) {
    tensors.set(name, { dtype: t.dtype, shape: t.shape, bytes: new Uint8Array(file.subarray(dataStart + t.begin, dataStart + t.end)) });
  }
  return { tensors, metadata: { ...header.metadata } };
}

/** float16 or bfloat16 bytes → the same values as float32 bytes (exact: every half value is a float32). */
export function widenToFloat32(dtype: "F16" | "BF16", bytes: Uint8Array): Uint8Array {
  const halves = new Uint16Array(bytes.slice().buffer);
  if (dtype === "BF16") return new Uint8Array(Uint32Array.from(halves, (h) => h << 16).buffer);
  return new Uint8Array(Float32Array.from(new Float16Array(halves.buffer)).buffer);
}
