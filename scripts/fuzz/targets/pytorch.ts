/** PyTorch checkpoints (`.pt`): the ZIP and legacy readers, the unpickler and the conversion to safetensors (src/engine/pytorch). */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readSafetensorsHeader } from "../../../src/engine/safetensors";
import { convertCheckpoint } from "../../../src/engine/pytorch/convert";
import { writeTorchCheckpoint } from "../../synthetic/pytorch-checkpoint";
import type { LengthField, Seed } from "../mutate";
import type { FuzzTarget } from "../target";

const FIXTURES = join(import.meta.dir, "../../../test/fixtures/pytorch-checkpoints");

/** ZIP records and their length, count and offset fields, found by signature. */
function zipStructure(bytes: Uint8Array): { hot: [number, number][]; fields: LengthField[] } {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hot: [number, number][] = [];
  const fields: LengthField[] = [];
  const at = (offset: number, width: LengthField["width"]) => fields.push({ at: offset, width });
  for (let i = 0; i + 4 <= bytes.length; i++) {
    if (bytes[i] !== 0x50 || bytes[i + 1] !== 0x4b) continue;
    const signature = v.getUint32(i, true);
    if (signature === 0x04034b50) {
      hot.push([i, i + 30 + 32]);
      [18, 22].forEach((o) => at(i + o, 4));
      [26, 28].forEach((o) => at(i + o, 2));
    } else if (signature === 0x02014b50) {
      hot.push([i, i + 46 + 32]);
      [20, 24, 42].forEach((o) => at(i + o, 4));
      [10, 28, 30].forEach((o) => at(i + o, 2));
    } else if (signature === 0x06054b50) {
      hot.push([i, i + 22]);
      [8, 10].forEach((o) => at(i + o, 2));
      [12, 16].forEach((o) => at(i + o, 4));
    } else if (signature === 0x06064b50) {
      hot.push([i, i + 56]);
      [24, 32, 40, 48].forEach((o) => at(i + o, 8));
    } else if (signature === 0x07064b50) {
      hot.push([i, i + 20]);
      at(i + 8, 8);
    }
  }
  return { hot, fields };
}

function seedOf(name: string, bytes: Uint8Array): Seed {
  const { hot, fields } = zipStructure(bytes);
  const pickle = new TextDecoder("latin1").decode(bytes.subarray(0, Math.min(bytes.length, 4096))).indexOf("data.pkl");
  if (pickle >= 0) hot.push([pickle, pickle + 600]);
  if (bytes[0] === 0x80) hot.push([0, Math.min(bytes.length, 800)]);
  return { name, bytes, hot, lengthFields: fields };
}

function synthetic(dir: string): Seed[] {
  const f32 = (n: number) => new Uint8Array(new Float32Array(Array.from({ length: n }, (_, i) => i / 7)).buffer);
  const path = join(dir, "synthetic.pt");
  writeTorchCheckpoint(
    path,
    [
      { name: "w", dtype: "float32", shape: [3, 4], data: f32(12), storage: "s" },
      { name: "w_t", dtype: "float32", shape: [4, 3], data: f32(0), storage: "s", stride: [1, 4] },
      { name: "b", dtype: "bfloat16", shape: [2], data: new Uint8Array(4) },
      { name: "n", dtype: "int64", shape: [], data: new Uint8Array(8) },
    ],
    { zip64: true, wrapKey: "state_dict" },
  );
  return [seedOf("synthetic-zip64", new Uint8Array(readFileSync(path)))];
}

export const pytorchTarget: FuzzTarget = {
  name: "pytorch",
  seeds(scratch) {
    const fixtures = readdirSync(FIXTURES)
      .filter((f) => f.endsWith(".pt") && f !== "truncated.pt")
      .sort()
      .map((f) => seedOf(f, new Uint8Array(readFileSync(join(FIXTURES, f)))));
    return [...fixtures, ...synthetic(scratch)];
  },
  run(input, _seed, { dir }) {
    const source = join(dir, "in.pt");
    const out = join(dir, "out.safetensors");
    writeFileSync(source, input);
    const result = convertCheckpoint(source, out);
    readSafetensorsHeader(out);
    return `${result.tensors} tensors`;
  },
  allowedFiles: (succeeded) => (succeeded ? ["in.pt", "out.safetensors"] : ["in.pt"]),
};

