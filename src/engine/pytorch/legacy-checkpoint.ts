/**
 * The format of torch < 1.6 (and of `_use_new_zipfile_serialization=False`),
 * after torch/serialization.py `_legacy_save`: five pickles in a row — the magic
 * number, the protocol version, system info, the object, the list of storage
 * keys — then each listed storage as an int64 element count and its bytes.
 */
import { AsrError } from "../../errors";
import { checkpointCorrupt, checkpointTruncated, checkpointUnsupported } from "./checkpoint-errors";
import type { CheckpointContents, StorageLocation } from "./checkpoint";
import { StorageTable } from "./persistent-ids";
import { PickleDict, describeValue, type PickleValue } from "./pickle-values";
import type { RandomAccessFile } from "./random-access-file";
import { unpickle } from "./unpickler";

const MAGIC_NUMBER = 0x1950a86a20f9469cfc6cn;
const PROTOCOL_VERSION = 1001;
const FIRST_WINDOW = 1 << 20;

interface Pickles {
  readonly root: PickleValue;
  readonly keys: PickleValue;
  readonly table: StorageTable;
  /** Offset just past the last pickle: where the storage data starts. */
  readonly end: number;
}

function noPersistentIds(path: string): (pid: PickleValue) => PickleValue {
  return () => {
    throw checkpointCorrupt(path, "a header pickle refers to a storage");
  };
}

function checkHeader(file: RandomAccessFile, magic: PickleValue, protocol: PickleValue, sysInfo: PickleValue): void {
  if (magic !== MAGIC_NUMBER) throw checkpointCorrupt(file.path, "starts with a pickle, but not with torch's magic number");
  if (protocol !== PROTOCOL_VERSION) throw checkpointUnsupported(file.path, `legacy checkpoint protocol ${describeValue(protocol)}; only ${PROTOCOL_VERSION} is known`);
  if (!(sysInfo instanceof PickleDict)) throw checkpointCorrupt(file.path, "its system-info pickle is not a dict");
  if (sysInfo.entries.get("little_endian") === false) throw checkpointUnsupported(file.path, "was saved on a big-endian machine; only little-endian checkpoints are supported");
}

function readPickles(file: RandomAccessFile, bytes: Uint8Array): Pickles {
  const header = { path: file.path, persistentLoad: noPersistentIds(file.path) };
  const magic = unpickle(bytes, 0, { ...header, part: "magic number" });
  const protocol = unpickle(bytes, magic.end, { ...header, part: "protocol version" });
  const sysInfo = unpickle(bytes, protocol.end, { ...header, part: "system info" });
  checkHeader(file, magic.value, protocol.value, sysInfo.value);
  const table = new StorageTable("legacy");
  const object = unpickle(bytes, sysInfo.end, { path: file.path, part: "object", persistentLoad: (pid) => table.load(pid) });
  const keys = unpickle(bytes, object.end, { ...header, part: "storage keys" });
  return { root: object.value, keys: keys.value, table, end: keys.end };
}

/** Reads the pickles from a window at the file's start, growing it while a pickle runs past its end. */
function readPicklesGrowing(file: RandomAccessFile): Pickles {
  for (let window = Math.min(FIRST_WINDOW, file.size); ; window = Math.min(window * 2, file.size)) {
    try {
      return readPickles(file, file.read(0, window, "the pickles"));
    } catch (e) {
      if (!(e instanceof AsrError && e.code === "CHECKPOINT_TRUNCATED" && window < file.size)) throw e;
    }
  }
}

export function readLegacyCheckpoint(file: RandomAccessFile): CheckpointContents {
  const { root, keys, table, end } = readPicklesGrowing(file);
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === "string")) throw checkpointCorrupt(file.path, "its storage-key pickle is not a list of strings");
  const storages = new Map<string, StorageLocation>();
  let at = end;
  for (const key of keys as string[]) {
    const storage = table.byKey.get(key);
    if (!storage) throw checkpointCorrupt(file.path, `storage "${key}" is listed but no tensor uses it`);
    if (storages.has(key)) throw checkpointCorrupt(file.path, `storage "${key}" is listed twice`);
    const count = new DataView(file.read(at, 8, `the size of storage "${key}"`).buffer).getBigInt64(0, true);
    if (count !== BigInt(storage.numel)) throw checkpointCorrupt(file.path, `storage "${key}" at byte ${at} holds ${count} elements, but the pickle says ${storage.numel}`);
    const bytes = storage.numel * storage.dtype.bytes;
    if (at + 8 + bytes > file.size) throw checkpointTruncated(file.path, `storage "${key}" needs bytes up to ${at + 8 + bytes} but the file has ${file.size}`);
    storages.set(key, { offset: at + 8, bytes, crc32: null, label: `storage ${key}` });
    at += 8 + bytes;
  }
  for (const key of table.byKey.keys()) if (!storages.has(key)) throw checkpointCorrupt(file.path, `storage "${key}" is used by a tensor but has no data`);
  return { format: "legacy", root, storages };
}
