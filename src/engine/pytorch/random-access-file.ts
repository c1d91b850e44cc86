/**
 * A file read by offset, a range at a time, so multi-gigabyte checkpoints are
 * never held in memory whole. Reads past the end are a truncated checkpoint.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { ModelFileError } from "../../errors";
import { checkpointTruncated } from "./checkpoint-errors";

export class RandomAccessFile {
  private constructor(
    readonly path: string,
    private fd: number,
    readonly size: number,
  ) {}

  static open(path: string): RandomAccessFile {
    let fd: number;
    try {
      fd = openSync(path, "r");
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT") throw new ModelFileError("FILE_MISSING", path, "file does not exist");
      throw new ModelFileError("FILE_UNREADABLE", path, `cannot be read (${code ?? String(e)})`);
    }
    try {
      const stat = fstatSync(fd);
      if (!stat.isFile()) throw new ModelFileError("FILE_UNREADABLE", path, "is not a regular file");
      return new RandomAccessFile(path, fd, stat.size);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  private checkRange(offset: number, length: number, what: string): void {
    if (offset < 0 || length < 0 || offset + length > this.size) {
      throw checkpointTruncated(this.path, `${what} needs bytes [${offset}, ${offset + length}) but the file has ${this.size}`);
    }
  }

  /** Fills `target` from `offset`; `what` names the data in the error if the file ends first. */
  readInto(target: Uint8Array, offset: number, what: string): void {
    this.checkRange(offset, target.length, what);
    let done = 0;
    while (done < target.length) {
      const n = readSync(this.fd, target, done, target.length - done, offset + done);
      if (n <= 0) throw checkpointTruncated(this.path, `${what}: the file ended at byte ${offset + done} while reading`);
      done += n;
    }
  }

  read(offset: number, length: number, what: string): Uint8Array {
    this.checkRange(offset, length, what);
    const bytes = new Uint8Array(length);
    this.readInto(bytes, offset, what);
    return bytes;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
