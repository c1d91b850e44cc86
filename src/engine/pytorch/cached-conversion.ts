/**
 * Converting a checkpoint once: the safetensors copy lives in a cache folder under
 * the source's sha256 (and the key taken), so a second call finds it instead of
 * converting again, and a changed source gets a new copy. The sha256 of a source
 * is remembered beside the copies with the file's size, modification time and
 * inode, so a later load costs a stat, not a read of the whole checkpoint.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { IoError, isAsrError } from "../../errors";
import { readSafetensorsHeader } from "../safetensors";
import { convertCheckpoint, type ConvertOptions } from "./convert";
import { RandomAccessFile } from "./random-access-file";

export interface CachedConversion {
  readonly path: string;
  /** True when an earlier conversion was found. */
  readonly reused: boolean;
}

/** The file's sha256 in hex, read a chunk at a time. */
export function sha256OfFile(path: string): string {
  const file = RandomAccessFile.open(path);
  const hash = createHash("sha256");
  try {
    const buffer = new Uint8Array(Math.min(8 << 20, file.size));
    for (let at = 0; at < file.size; at += buffer.length) {
      const chunk = buffer.subarray(0, Math.min(buffer.length, file.size - at));
      file.readInto(chunk, at, "the file");
      hash.update(chunk);
    }
  } finally {
    file.close();
  }
  return hash.digest("hex");
}

interface SourceStamp {
  readonly size: number;
  readonly mtimeMs: number;
  readonly ino: number;
  readonly sha256: string;
}

function stampPath(source: string, cacheDir: string): string {
  return join(cacheDir, `${createHash("sha256").update(realpathSync(source)).digest("hex").slice(0, 32)}.source.json`);
}

/** The source's sha256, from its stamp when the file has not changed since it was hashed. */
function sourceSha256(source: string, cacheDir: string): string {
  const stat = statSync(source);
  const stamp = stampPath(source, cacheDir);
  try {
    const known = JSON.parse(readFileSync(stamp, "utf8")) as Partial<SourceStamp>;
    if (known.size === stat.size && known.mtimeMs === stat.mtimeMs && known.ino === stat.ino && typeof known.sha256 === "string" && /^[0-9a-f]{64}$/.test(known.sha256)) {
      return known.sha256;
    }
  } catch {
    // No stamp yet, or an unreadable one: hash the file.
  }
  const sha256 = sha256OfFile(source);
  try {
    mkdirSync(cacheDir, { recursive: true });
    const record: SourceStamp = { size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino, sha256 };
    writeFileSync(`${stamp}.partial`, JSON.stringify(record));
    renameSync(`${stamp}.partial`, stamp);
  } catch {
    // A read-only cache only loses the shortcut.
  }
  return sha256;
}

function cacheName(sha256: string, key: string | undefined): string {
  return key ? `${sha256}.${encodeURIComponent(key)}.safetensors` : `${sha256}.safetensors`;
}

export interface CachedConvertOptions extends ConvertOptions {
  /** The source's sha256 when it is already known (a verified download's blob name); default: read the file. */
  readonly sha256?: string;
}

/** The safetensors copy of `source` in `cacheDir`, converted now or found from before. */
export function convertCheckpointIntoCache(source: string, cacheDir: string, options: CachedConvertOptions = {}): CachedConversion {
  const sha256 = options.sha256 ?? sourceSha256(source, cacheDir);
  const path = join(cacheDir, cacheName(sha256, options.key));
  if (existsSync(path)) {
    try {
      readSafetensorsHeader(path);
      return { path, reused: true };
    } catch (e) {
      if (!isAsrError(e)) throw e;
      rmSync(path, { force: true });
    }
  }
  try {
    mkdirSync(cacheDir, { recursive: true });
  } catch (e) {
    throw new IoError("CACHE_UNWRITABLE", cacheDir, `cannot create the conversion cache (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  convertCheckpoint(source, path, { key: options.key, metadata: { ...options.metadata, source_sha256: sha256 } });
  return { path, reused: false };
}
