/**
 * The ZIP format of torch ≥ 1.6 (torch/serialization.py `_save`): one top folder
 * (`archive/`, or named after the saved file) holding `data.pkl`, `byteorder`
 * (absent means little-endian) and one stored record `data/<key>` per storage.
 */
import { checkpointCorrupt, checkpointUnsupported } from "./checkpoint-errors";
import type { CheckpointContents, StorageLocation } from "./checkpoint";
import { StorageTable } from "./persistent-ids";
import type { RandomAccessFile } from "./random-access-file";
import { unpickle } from "./unpickler";
import { readZipDirectory, type ZipEntry } from "./zip-archive";

function findPickle(file: RandomAccessFile, entries: Map<string, ZipEntry>): ZipEntry {
  const pickles = [...entries.values()].filter((e) => /^[^/]+\/data\.pkl$/.test(e.name));
  if (pickles.length === 1) return pickles[0]!;
  if (pickles.length > 1) throw checkpointCorrupt(file.path, `holds ${pickles.length} data.pkl records (${pickles.map((p) => p.name).join(", ")})`);
  if ([...entries.keys()].some((n) => /^[^/]+\/(constants\.pkl|code\/)/.test(n))) {
    throw checkpointUnsupported(file.path, "is a TorchScript archive (torch.jit.save), not a checkpoint of tensors; save its state_dict() with torch.save");
  }
  throw checkpointCorrupt(file.path, "is a ZIP archive without a <folder>/data.pkl record");
}

function checkByteOrder(file: RandomAccessFile, entry: ZipEntry | undefined): void {
  if (!entry) return;
  if (entry.size > 16) throw checkpointCorrupt(file.path, `${entry.name} holds ${entry.size} bytes; expected "little" or "big"`);
  const order = new TextDecoder().decode(file.read(entry.dataOffset, entry.size, entry.name)).trim();
  if (order === "big") throw checkpointUnsupported(file.path, "was saved on a big-endian machine; only little-endian checkpoints are supported");
  if (order !== "little") throw checkpointCorrupt(file.path, `${entry.name} says "${order}"; expected "little" or "big"`);
}

export function readZipCheckpoint(file: RandomAccessFile): CheckpointContents {
  const entries = readZipDirectory(file);
  const pickle = findPickle(file, entries);
  const folder = pickle.name.slice(0, -"data.pkl".length);
  checkByteOrder(file, entries.get(`${folder}byteorder`));
  const table = new StorageTable("zip");
  const bytes = file.read(pickle.dataOffset, pickle.size, pickle.name);
  const { value: root } = unpickle(bytes, 0, { path: file.path, part: pickle.name, persistentLoad: (pid) => table.load(pid) });
  const storages = new Map<string, StorageLocation>();
  for (const [key, storage] of table.byKey) {
    const label = `${folder}data/${key}`;
    const record = entries.get(label);
    if (!record) throw checkpointCorrupt(file.path, `the pickle names storage "${key}" but the archive has no ${label}`);
    const expected = storage.numel * storage.dtype.bytes;
    if (record.size !== expected) {
      throw checkpointCorrupt(file.path, `${label} holds ${record.size} bytes, but the pickle says ${storage.numel} × ${storage.dtype.name} (${expected} bytes)`);
    }
    storages.set(key, { offset: record.dataOffset, bytes: record.size, crc32: record.crc32, label });
  }
  return { format: "zip", root, storages };
}
