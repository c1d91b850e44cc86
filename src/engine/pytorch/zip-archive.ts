/**
 * The ZIP container of `torch.save` (PKWARE APPNOTE): the central directory,
 * ZIP64 records for archives and entries past 4 GB, and stored (uncompressed)
 * entries located by offset. Entry data is never read here; callers read ranges.
 */
import { checkpointCorrupt, checkpointTruncated, checkpointUnsupported } from "./checkpoint-errors";
import type { RandomAccessFile } from "./random-access-file";

export interface ZipEntry {
  readonly name: string;
  /** Where the entry's bytes start in the file. */
  readonly dataOffset: number;
  readonly size: number;
  readonly crc32: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_BYTES = 22;
const ZIP64_LOCATOR_BYTES = 20;
const ZIP64_EOCD_BYTES = 56;
const CENTRAL_BYTES = 46;
const LOCAL_BYTES = 30;
const MAX_COMMENT = 0xffff;
const ZIP64_EXTRA_ID = 0x0001;
const STORED = 0;

const utf8 = new TextDecoder("utf-8");

export function isZip(head: Uint8Array): boolean {
  return head.length >= 4 && new DataView(head.buffer, head.byteOffset, 4).getUint32(0, true) === LOCAL_SIGNATURE;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function u64(v: DataView, at: number, path: string, what: string): number {
  const n = v.getBigUint64(at, true);
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw checkpointCorrupt(path, `ZIP ${what} ${n} is beyond any file`);
  return Number(n);
}

interface Directory {
  readonly offset: number;
  readonly size: number;
  readonly count: number;
}

function findEndOfDirectory(file: RandomAccessFile): { at: number; v: DataView } {
  const tailLength = Math.min(file.size, EOCD_BYTES + MAX_COMMENT);
  const tail = file.read(file.size - tailLength, tailLength, "the ZIP end record");
  const v = view(tail);
  for (let i = tailLength - EOCD_BYTES; i >= 0; i--) {
    if (v.getUint32(i, true) === EOCD_SIGNATURE && i + EOCD_BYTES + v.getUint16(i + 20, true) === tailLength) {
      return { at: file.size - tailLength + i, v: view(tail.subarray(i, i + EOCD_BYTES)) };
    }
  }
  throw checkpointTruncated(file.path, "no ZIP end-of-central-directory record at its end");
}

function readDirectoryLocation(file: RandomAccessFile): Directory {
  const { at, v } = findEndOfDirectory(file);
  if (v.getUint16(4, true) !== 0 || v.getUint16(6, true) !== 0) throw checkpointUnsupported(file.path, "is a multi-part ZIP archive");
  let count = v.getUint16(10, true);
  let size = v.getUint32(12, true);
  let offset = v.getUint32(16, true);
  if (at >= ZIP64_LOCATOR_BYTES) {
    const locator = view(file.read(at - ZIP64_LOCATOR_BYTES, ZIP64_LOCATOR_BYTES, "the ZIP64 locator"));
    if (locator.getUint32(0, true) === ZIP64_LOCATOR_SIGNATURE) {
      const recordAt = u64(locator, 8, file.path, "ZIP64 record offset");
      const record = view(file.read(recordAt, ZIP64_EOCD_BYTES, "the ZIP64 end record"));
      if (record.getUint32(0, true) !== ZIP64_EOCD_SIGNATURE) throw checkpointCorrupt(file.path, `no ZIP64 end record at byte ${recordAt}`);
      count = u64(record, 32, file.path, "entry count");
      size = u64(record, 40, file.path, "central directory size");
      offset = u64(record, 48, file.path, "central directory offset");
    }
  }
  if (offset + size > at) throw checkpointCorrupt(file.path, `the central directory [${offset}, ${offset + size}) overlaps its end record at byte ${at}`);
  if (count * CENTRAL_BYTES > size) throw checkpointCorrupt(file.path, `${count} entries cannot fit a central directory of ${size} bytes`);
  return { offset, size, count };
}

/** The ZIP64 extra field's 64-bit values replace the 32-bit fields that are all ones, in this order. */
function zip64Values(extra: Uint8Array, wanted: number, path: string, name: string): number[] {
  const v = view(extra);
  for (let i = 0; i + 4 <= extra.length; ) {
    const id = v.getUint16(i, true);
    const length = v.getUint16(i + 2, true);
    if (i + 4 + length > extra.length) break;
    if (id === ZIP64_EXTRA_ID) {
      if (length < wanted * 8) break;
      return Array.from({ length: wanted }, (_, k) => u64(v, i + 4 + 8 * k, path, `entry "${name}" ZIP64 value`));
    }
    i += 4 + length;
  }
  throw checkpointCorrupt(path, `entry "${name}" needs a ZIP64 extra field, which is missing or short`);
}

function parseEntries(file: RandomAccessFile, dir: Directory, bytes: Uint8Array): Map<string, ZipEntry> {
  const v = view(bytes);
  const entries = new Map<string, ZipEntry>();
  let p = 0;
  for (let n = 0; n < dir.count; n++) {
    if (p + CENTRAL_BYTES > bytes.length || v.getUint32(p, true) !== CENTRAL_SIGNATURE) {
      throw checkpointCorrupt(file.path, `central directory entry ${n} at byte ${dir.offset + p} is malformed`);
    }
    const flags = v.getUint16(p + 8, true);
    const method = v.getUint16(p + 10, true);
    const crc32 = v.getUint32(p + 16, true);
    let compressed = v.getUint32(p + 20, true);
    let size = v.getUint32(p + 24, true);
    const nameLength = v.getUint16(p + 28, true);
    const extraLength = v.getUint16(p + 30, true);
    const commentLength = v.getUint16(p + 32, true);
    let localOffset = v.getUint32(p + 42, true);
    const end = p + CENTRAL_BYTES + nameLength + extraLength + commentLength;
    if (end > bytes.length) throw checkpointCorrupt(file.path, `central directory entry ${n} runs past the directory`);
    const name = utf8.decode(bytes.subarray(p + CENTRAL_BYTES, p + CENTRAL_BYTES + nameLength));
    const extra = bytes.subarray(p + CENTRAL_BYTES + nameLength, p + CENTRAL_BYTES + nameLength + extraLength);
    const wide = [size, compressed, localOffset].filter((x) => x === 0xffffffff).length;
    if (wide > 0) {
      const values = zip64Values(extra, wide, file.path, name);
      if (size === 0xffffffff) size = values.shift()!;
      if (compressed === 0xffffffff) compressed = values.shift()!;
      if (localOffset === 0xffffffff) localOffset = values.shift()!;
    }
    if (flags & 1) throw checkpointUnsupported(file.path, `ZIP entry "${name}" is encrypted`);
    if (method !== STORED || compressed !== size) {
      throw checkpointUnsupported(
        file.path,
        `ZIP entry "${name}" is compressed (method ${method}); torch.save stores entries uncompressed, so the file was re-packed: load and save it again with torch.save`,
      );
    }
    if (entries.has(name)) throw checkpointCorrupt(file.path, `ZIP entry "${name}" appears twice`);
    entries.set(name, { name, dataOffset: localOffset, size, crc32 });
    p = end;
  }
  return entries;
}

/** Where an entry's bytes start: past its local header, whose name and extra field lengths can differ from the central copy. */
function locateData(file: RandomAccessFile, entry: ZipEntry): ZipEntry {
  const local = view(file.read(entry.dataOffset, LOCAL_BYTES, `the local header of "${entry.name}"`));
  if (local.getUint32(0, true) !== LOCAL_SIGNATURE) throw checkpointCorrupt(file.path, `ZIP entry "${entry.name}" has no local header at byte ${entry.dataOffset}`);
  const dataOffset = entry.dataOffset + LOCAL_BYTES + local.getUint16(26, true) + local.getUint16(28, true);
  if (dataOffset + entry.size > file.size) {
    throw checkpointTruncated(file.path, `ZIP entry "${entry.name}" needs bytes up to ${dataOffset + entry.size} but the file has ${file.size}`);
  }
  return { ...entry, dataOffset };
}

/** Reads the central directory of a ZIP file: name → where its stored bytes are. */
export function readZipDirectory(file: RandomAccessFile): Map<string, ZipEntry> {
  const dir = readDirectoryLocation(file);
  const entries = parseEntries(file, dir, file.read(dir.offset, dir.size, "the ZIP central directory"));
  for (const [name, entry] of entries) entries.set(name, locateData(file, entry));
  return entries;
}
