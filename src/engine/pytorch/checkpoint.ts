/**
 * A PyTorch checkpoint opened for reading: its pickled object (with tensors as
 * inert views of storages) and where each storage's bytes lie in the file.
 * Recognises the ZIP format of torch ≥ 1.6 and the legacy format before it.
 */
import { checkpointCorrupt, checkpointUnsupported } from "./checkpoint-errors";
import { readLegacyCheckpoint } from "./legacy-checkpoint";
import type { PickleValue, TorchStorage } from "./pickle-values";
import { RandomAccessFile } from "./random-access-file";
import { isZip } from "./zip-archive";
import { readZipCheckpoint } from "./zip-checkpoint";

export interface StorageLocation {
  /** File offset of the storage's first byte. */
  readonly offset: number;
  readonly bytes: number;
  /** CRC-32 of exactly these bytes, when the format records one. */
  readonly crc32: number | null;
  /** Name of the record, for errors (e.g. "archive/data/3"). */
  readonly label: string;
}

/** What a format reader returns. */
export interface CheckpointContents {
  readonly format: "zip" | "legacy";
  readonly root: PickleValue;
  /** Storage key → location; every storage the pickle names is here, with a matching size. */
  readonly storages: ReadonlyMap<string, StorageLocation>;
}

export class TorchCheckpoint {
  private constructor(
    readonly file: RandomAccessFile,
    readonly contents: CheckpointContents,
  ) {}

  get path(): string {
    return this.file.path;
  }

  get root(): PickleValue {
    return this.contents.root;
  }

  get format(): "zip" | "legacy" {
    return this.contents.format;
  }

  locate(storage: TorchStorage): StorageLocation {
    const location = this.contents.storages.get(storage.key);
    if (!location) throw checkpointCorrupt(this.path, `storage "${storage.key}" has no data record`);
    return location;
  }

  close(): void {
    this.file.close();
  }

  /** Opens `path` and reads its pickle; storage bytes are read later, by offset. */
  static open(path: string): TorchCheckpoint {
    const file = RandomAccessFile.open(path);
    try {
      return new TorchCheckpoint(file, readContents(file));
    } catch (e) {
      file.close();
      throw e;
    }
  }
}

/** Signature of a tar archive, the format of torch before 0.4. */
function isTar(file: RandomAccessFile): boolean {
  if (file.size < 512) return false;
  const magic = file.read(257, 5, "the tar header");
  return new TextDecoder().decode(magic) === "ustar";
}

function readContents(file: RandomAccessFile): CheckpointContents {
  if (file.size === 0) throw checkpointCorrupt(file.path, "the file is empty");
  const head = file.read(0, Math.min(4, file.size), "the file header");
  if (isZip(head)) return readZipCheckpoint(file);
  if (head[0] === 0x80) return readLegacyCheckpoint(file);
  if (isTar(file)) throw checkpointUnsupported(file.path, "is a tar-format checkpoint from torch < 0.4; load and save it again with a newer torch");
  throw checkpointCorrupt(file.path, "neither a ZIP archive (torch ≥ 1.6) nor a pickle (older torch)");
}
