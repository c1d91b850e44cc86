/** Pickles alone (the `data.pkl` of checkpoints): the allow-list unpickler and the naming of the tensors it finds. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { StorageTable } from "../../../src/engine/pytorch/persistent-ids";
import { RandomAccessFile } from "../../../src/engine/pytorch/random-access-file";
import { namedTensors } from "../../../src/engine/pytorch/state-dict";
import { unpickle } from "../../../src/engine/pytorch/unpickler";
import { readZipDirectory } from "../../../src/engine/pytorch/zip-archive";
import type { LengthField, Seed } from "../mutate";
import type { FuzzTarget } from "../target";

const FIXTURES = join(import.meta.dir, "../../../test/fixtures/pytorch-checkpoints");

function pickleOf(path: string): Uint8Array | null {
  const file = RandomAccessFile.open(path);
  try {
    const entry = [...readZipDirectory(file).values()].find((e) => e.name.endsWith("/data.pkl"));
    return entry ? file.read(entry.dataOffset, entry.size, entry.name) : null;
  } catch {
    return null;
  } finally {
    file.close();
  }
}

/** The 4-byte length after each BINUNICODE opcode (0x58), by a byte scan that also finds some false ones. */
function unicodeLengths(bytes: Uint8Array): LengthField[] {
  const fields: LengthField[] = [];
  bytes.forEach((b, i) => {
    if (b === 0x58 && i + 5 <= bytes.length) fields.push({ at: i + 1, width: 4 });
  });
  return fields;
}

/** A protocol-4 pickle like `torch.save(..., pickle_protocol=4)` writes: FRAME, SHORT_BINUNICODE, MEMOIZE, STACK_GLOBAL. */
function protocol4(): Uint8Array {
  const s = (text: string) => [0x8c, text.length, ...[...text].map((c) => c.charCodeAt(0)), 0x94];
  const body = [
    ...s("collections"), ...s("OrderedDict"), 0x93, 0x94, 0x29, 0x52, 0x94, 0x28,
    ...s("w"), ...s("torch._utils"), ...s("_rebuild_tensor_v2"), 0x93, 0x94,
    0x28, 0x28, ...s("storage"), ...s("torch"), ...s("FloatStorage"), 0x93, 0x94, ...s("0"), ...s("cpu"), 0x4b, 6, 0x74, 0x94, 0x51,
    0x4b, 0, 0x4b, 2, 0x4b, 3, 0x86, 0x94, 0x4b, 3, 0x4b, 1, 0x86, 0x94, 0x89, 0x68, 1, 0x29, 0x52, 0x94, 0x74, 0x94, 0x52, 0x94, 0x75, 0x2e,
  ];
  const frame = new Uint8Array(11 + body.length);
  frame.set([0x80, 4, 0x95]);
  new DataView(frame.buffer).setBigUint64(3, BigInt(body.length), true);
  frame.set(body, 11);
  return frame;
}

export const pickleTarget: FuzzTarget = {
  name: "pickle",
  seeds() {
    const seeds: Seed[] = [];
    for (const f of readdirSync(FIXTURES).filter((n) => n.endsWith(".pt")).sort()) {
      const bytes = pickleOf(join(FIXTURES, f));
      if (bytes) seeds.push({ name: f, bytes, lengthFields: unicodeLengths(bytes) });
    }
    const p4 = protocol4();
    seeds.push({ name: "protocol-4", bytes: p4, lengthFields: [{ at: 3, width: 8 }] });
    return seeds;
  },
  run(input) {
    const table = new StorageTable("zip");
    const { value } = unpickle(input, 0, { path: "fuzz.pt", part: "data.pkl", persistentLoad: (pid) => table.load(pid) });
    return `${namedTensors(value, "fuzz.pt").length} tensors`;
  },
  allowedFiles: () => [],
};
