/**
 * Converting a checkpoint once: the safetensors copy lives in a cache folder under
 * the source's sha256 (and the key taken), so a second call finds it instead of
 * converting again, and a changed source gets a new copy.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, rmSync } from "node:fs";
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

function cacheName(sha256: string, key: string | undefined): string {
  return key ? `${sha256}.${encodeURIComponent(key)}.safetensors` : `${sha256}.safetensors`;
}

export interface CachedConvertOptions extends ConvertOptions {
  /** The source's sha256 when it is already known (a verified download's blob name); default: read the file. */
  readonly sha256?: string;
}

/** The safetensors copy of `source` in `cacheDir`, converted now or found from before. */
export function convertCheckpointIntoCache(source: string, cacheDir: string, options: CachedConvertOptions = {}): CachedConversion {
  const sha256 = options.sha256 ?? sha256OfFile(source);
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
