/**
 * Safetensors files: the TypeScript validation (src/engine/safetensors.ts) and,
 * only for files it passes, the engine's loader. A crash here means the
 * validation let through a file the engine cannot read.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { mx } from "../../../src/engine/mlx";
import { loadSafetensors } from "../../../src/engine/safetensors";
import { mutateJson } from "../json-mutate";
import type { Mutant, Seed } from "../mutate";
import type { Random } from "../random";
import type { FuzzTarget } from "../target";

interface Entry {
  readonly dtype: string;
  readonly shape: number[];
  readonly bytes: number;
}

function makeFile(name: string, entries: Record<string, Entry>, metadata?: Record<string, string> | null): Seed {
  const header: Record<string, unknown> = metadata === undefined ? {} : { __metadata__: metadata };
  let offset = 0;
  for (const [key, e] of Object.entries(entries)) {
    header[key] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + e.bytes] };
    offset += e.bytes;
  }
  const json = new TextEncoder().encode(JSON.stringify(header).padEnd(0));
  const bytes = new Uint8Array(8 + json.length + offset);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
  bytes.set(json, 8);
  for (let i = 8 + json.length; i < bytes.length; i++) bytes[i] = (i * 37) & 0xff;
  return { name, bytes, hot: [[0, 8 + json.length]], lengthFields: [{ at: 0, width: 8 }] };
}

function fixtureSeed(path: string, name: string): Seed {
  const bytes = new Uint8Array(readFileSync(path));
  const headerEnd = 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true));
  return { name, bytes, hot: [[0, headerEnd]], lengthFields: [{ at: 0, width: 8 }] };
}

const FIXTURE = join(import.meta.dir, "../../../test/fixtures/model/nano_adaptor/model.safetensors");

/** The header's JSON mutated as JSON, its length field fixed up (or not). */
function mutateHeader(r: Random, seed: Seed): Mutant | null {
  const length = Number(new DataView(seed.bytes.buffer, seed.bytes.byteOffset).getBigUint64(0, true));
  const mutant = mutateJson(r, new TextDecoder().decode(seed.bytes.subarray(8, 8 + length)));
  if (!mutant) return null;
  const data = seed.bytes.subarray(8 + length);
  const out = new Uint8Array(8 + mutant.bytes.length + data.length);
  const keepLength = r.chance(0.2);
  new DataView(out.buffer).setBigUint64(0, BigInt(keepLength ? length : mutant.bytes.length), true);
  out.set(mutant.bytes, 8);
  out.set(data, 8 + mutant.bytes.length);
  return { bytes: out, steps: [...mutant.steps, keepLength ? "length kept" : "length fixed"] };
}

export const safetensorsTarget: FuzzTarget = {
  name: "safetensors",
  seeds: () => [
    makeFile("f32-bf16-i64", { w: { dtype: "F32", shape: [2, 3], bytes: 24 }, b: { dtype: "BF16", shape: [4], bytes: 8 }, n: { dtype: "I64", shape: [], bytes: 8 } }, { format: "pt" }),
    makeFile("u8-empty-f16", { e: { dtype: "U8", shape: [0], bytes: 0 }, h: { dtype: "F16", shape: [3, 1], bytes: 6 }, i: { dtype: "I32", shape: [2], bytes: 8 } }, null),
    makeFile("bool-u64", { f: { dtype: "BOOL", shape: [5], bytes: 5 }, u: { dtype: "U64", shape: [1, 1], bytes: 8 } }),
    fixtureSeed(FIXTURE, "nano-adaptor-fixture"),
  ],
  mutate: (r, seed) => (r.chance(0.4) ? mutateHeader(r, seed) : null),
  run(input, _seed, { dir }) {
    const path = join(dir, "in.safetensors");
    writeFileSync(path, input);
    const tensors = loadSafetensors(path);
    const all = Object.values(tensors);
    mx.eval(...all);
    return `${all.length} tensors`;
  },
  allowedFiles: () => ["in.safetensors"],
};
