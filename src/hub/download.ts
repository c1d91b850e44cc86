/**
 * Downloads a model repository from the Hugging Face hub (or a mirror) into the
 * standard cache (see cache.ts), the way huggingface_hub does: one verified blob
 * per file content, and a snapshot directory of relative symlinks to the blobs.
 *
 * Bytes stream into `blobs/<hash>.incomplete` and are hashed as they arrive; a
 * dropped connection is retried with an HTTP Range request, and a later run
 * resumes from the same file. Only a blob whose size and hash match the hub's
 * listing is renamed into place, so a snapshot never holds a partial or
 * corrupt file. The library never prints: progress goes to `onProgress`.
 */
import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { lstat, mkdir, open, rename, rm, symlink, writeFile, type FileHandle } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { AsrError, DownloadError, IoError } from "../errors";
import { hubCacheDir, refPath, repoCacheDir, snapshotPath } from "./cache";
import { bodyFailure, checkStatus, discardBody, hubContext, hubGet, throwIfCancelled, TransientError, withRetries, type HubAccessOptions, type HubContext } from "./http";
import { listRepository, type RepoFile, type RepoListing } from "./listing";
import { selectFiles } from "./patterns";

export { DEFAULT_ENDPOINT } from "./http";

export interface DownloadProgress {
  /** The file being downloaded, as a path inside the repository. */
  file: string;
  fileBytesDone: number;
  fileBytesTotal: number;
  bytesDone: number;
  bytesTotal: number;
  /** Of `bytesDone`, the bytes that were already in the cache (complete blobs, resumed partial files): not transferred in this call. */
  bytesReused: number;
  filesDone: number;
  filesTotal: number;
}

export interface FileDownloadOptions extends HubAccessOptions {
  onProgress?: (event: DownloadProgress) => void;
  /** Default hubCacheDir(). */
  cacheDir?: string;
}

export interface DownloadOptions extends FileDownloadOptions {
  /** Branch, tag or commit; default "main". */
  revision?: string;
  /** fnmatch-style patterns (`*` also crosses `/`; `a|b` takes the first alternative that matches); only matching files are downloaded. Default: all files. */
  allowPatterns?: string[];
}

export async function downloadModel(repoId: string, options: DownloadOptions = {}): Promise<string> {
  const revision = options.revision ?? "main";
  const listing = await listRepository(repoId, revision, options);
  const files = options.allowPatterns ? selectFiles(listing.files, options.allowPatterns) : listing.files;
  if (files.length === 0) {
    const available = listing.files.slice(0, 8).map((f) => f.path).join(", ");
    throw new DownloadError(
      "DOWNLOAD_NO_MATCHING_FILES",
      repoId,
      `no file at revision ${revision} matches ${options.allowPatterns?.join(" ") ?? "(all)"}; the repository has: ${available || "no files"}`,
    );
  }
  return downloadFiles(listing, files, options);
}

/** Bytes of `files` (of a listing) not yet complete in the cache. */
export async function missingBytes(listing: RepoListing, files: readonly RepoFile[], cacheDir: string = hubCacheDir()): Promise<number> {
  const repoDir = repoCacheDir(listing.repoId, cacheDir);
  let missing = 0;
  for (const file of files) if (!(await isCompleteBlob(join(repoDir, "blobs", file.hash), file.size))) missing += file.size;
  return missing;
}

/** Downloads `files` of a listing into the cache; returns the snapshot directory of its commit. */
export async function downloadFiles(listing: RepoListing, files: readonly RepoFile[], options: FileDownloadOptions = {}): Promise<string> {
  const ctx = hubContext(listing.repoId, options);
  const cacheDir = options.cacheDir ? resolve(options.cacheDir) : hubCacheDir();
  const repoDir = repoCacheDir(listing.repoId, cacheDir);
  const snapshotDir = snapshotPath(listing.repoId, listing.commit, cacheDir);
  const progress = new ProgressTally(files, options.onProgress);
  for (const file of files) {
    throwIfCancelled(ctx);
    const blobFile = join(repoDir, "blobs", file.hash);
    if (await isCompleteBlob(blobFile, file.size)) progress.reused(file.size);
    else {
      const url = `${ctx.endpoint}/${listing.repoId}/resolve/${listing.commit}/${file.path.split("/").map(encodeURIComponent).join("/")}`;
      await downloadBlob(url, file, blobFile, ctx, progress);
    }
    await linkSnapshotFile(snapshotDir, file.path, blobFile);
    progress.fileFinished(file);
  }
  // Written last, so a branch name resolves only to a snapshot that is complete.
  if (listing.revision !== listing.commit) await writeAtomically(refPath(listing.repoId, listing.revision, cacheDir), listing.commit);
  return snapshotDir;
}

// ---------------------------------------------------------------------------
// Blobs

/** The bytes of one blob received so far, on disk and in the running hash. */
interface PartialBlob {
  path: string;
  handle: FileHandle;
  bytes: number;
  digest: Hash;
  /** Bytes left by an earlier run, until a restart discards them. */
  reusedBytes: number;
}

async function downloadBlob(url: string, file: RepoFile, blobFile: string, ctx: HubContext, progress: ProgressTally): Promise<void> {
  const subject = `${ctx.repoId}/${file.path}`;
  const partial = await openPartialBlob(`${blobFile}.incomplete`, file);
  try {
    progress.reused(partial.reusedBytes);
    progress.fileBytes(file, partial.bytes);
    await withRetries(ctx, subject, async () => {
      if (partial.bytes < file.size) await receiveRest(url, file, partial, subject, ctx, progress);
    });
  } finally {
    await partial.handle.close();
  }
  const actual = partial.digest.digest("hex");
  if (actual !== file.hash) {
    await rm(partial.path, { force: true });
    const what = file.algorithm === "sha256" ? "sha256" : "git blob sha1";
    throw new DownloadError("DOWNLOAD_CORRUPT", subject, `the downloaded bytes have ${what} ${actual}, the hub lists ${file.hash}; the partial file was deleted, run the download again`);
  }
  await onDisk(blobFile, "cannot be stored", () => rename(partial.path, blobFile));
}

/** Opens `<blob>.incomplete` for appending, hashing the bytes an earlier run left in it. */
async function openPartialBlob(path: string, file: RepoFile): Promise<PartialBlob> {
  await onDisk(path, "cannot be created", () => mkdir(dirname(path), { recursive: true }));
  let bytes = await fileSize(path);
  if (bytes > file.size) {
    await rm(path, { force: true });
    bytes = 0;
  }
  const digest = newDigest(file);
  if (bytes > 0) {
    await onDisk(path, "cannot be read", async () => {
      for await (const chunk of createReadStream(path, { start: 0, end: bytes - 1 })) digest.update(chunk as Buffer);
    });
  }
  const handle = await onDisk(path, "cannot be opened for writing", () => open(path, "a"));
  return { path, handle, bytes, digest, reusedBytes: bytes };
}

function newDigest(file: RepoFile): Hash {
  if (file.algorithm === "sha256") return createHash("sha256");
  return createHash("sha1").update(`blob ${file.size}\0`);
}

async function restartPartialBlob(partial: PartialBlob, file: RepoFile, progress: ProgressTally): Promise<void> {
  await onDisk(partial.path, "cannot be truncated", () => partial.handle.truncate(0));
  partial.bytes = 0;
  partial.digest = newDigest(file);
  progress.reused(-partial.reusedBytes);
  partial.reusedBytes = 0;
}

/** One attempt: requests the bytes after `partial.bytes` and appends them. */
async function receiveRest(url: string, file: RepoFile, partial: PartialBlob, subject: string, ctx: HubContext, progress: ProgressTally): Promise<void> {
  const resuming = partial.bytes > 0;
  const headers: Record<string, string> = { "accept-encoding": "identity" };
  if (resuming) headers.range = `bytes=${partial.bytes}-`;
  const response = await hubGet(url, ctx, headers);
  checkStatus(response, subject, ctx, "MODEL_FILE_NOT_FOUND");
  if (response.status === 416 || (resuming && response.status === 206 && contentRangeStart(response) !== partial.bytes)) {
    discardBody(response);
    const offset = partial.bytes;
    await restartPartialBlob(partial, file, progress);
    throw new TransientError("interrupted", `the server could not resume at byte ${offset}`);
  }
  // A server that ignores Range answers 200 with the whole file.
  if (resuming && response.status !== 206) await restartPartialBlob(partial, file, progress);
  progress.fileBytes(file, partial.bytes);

  const reader = response.body?.getReader();
  try {
    while (reader) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (e) {
        throw bodyFailure(e, ctx);
      }
      if (chunk.done) break;
      if (partial.bytes + chunk.value.length > file.size) {
        await rm(partial.path, { force: true });
        throw new DownloadError("DOWNLOAD_CORRUPT", subject, `the hub sent more than the ${file.size} bytes it lists; the partial file was deleted, run the download again`);
      }
      partial.digest.update(chunk.value);
      await writeFully(partial, chunk.value);
      partial.bytes += chunk.value.length;
      progress.fileBytes(file, partial.bytes);
    }
  } finally {
    reader?.cancel().catch(() => {});
  }
  if (partial.bytes < file.size) throw new TransientError("interrupted", `the connection closed after ${partial.bytes} of ${file.size} bytes`);
}

function contentRangeStart(response: Response): number | null {
  const match = /^bytes (\d+)-/.exec(response.headers.get("content-range") ?? "");
  return match ? Number(match[1]) : null;
}

async function writeFully(partial: PartialBlob, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await onDisk(partial.path, "cannot be written", () => partial.handle.write(bytes, offset));
    offset += bytesWritten;
  }
}

async function isCompleteBlob(path: string, size: number): Promise<boolean> {
  try {
    const info = await lstat(path);
    return info.isFile() && info.size === size;
  } catch {
    return false;
  }
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await lstat(path)).size;
  } catch {
    return 0;
  }
}

/** `snapshots/<commit>/<path>` → `../../blobs/<hash>` (one more `../` per directory level), replaced atomically. */
async function linkSnapshotFile(snapshotDir: string, repoPath: string, blobFile: string): Promise<void> {
  const link = join(snapshotDir, ...repoPath.split("/"));
  const temporary = `${link}.${process.pid}.tmp`;
  await onDisk(link, "cannot be created", async () => {
    await mkdir(dirname(link), { recursive: true });
    await rm(temporary, { force: true });
    await symlink(relative(dirname(link), blobFile), temporary);
    await rename(temporary, link);
  });
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await onDisk(path, "cannot be written", async () => {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(temporary, text);
    await rename(temporary, path);
  });
}

/** Runs a file-system operation, turning its failure into an IoError naming the file. */
async function onDisk<T>(path: string, what: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (e) {
    if (e instanceof AsrError) throw e;
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new IoError("IO_CACHE_WRITE", path, `${what} (${code})`);
  }
}

// ---------------------------------------------------------------------------
// Progress

class ProgressTally {
  private bytesCompleted = 0;
  private bytesReused = 0;
  private filesDone = 0;
  private readonly bytesTotal: number;

  constructor(
    private readonly files: readonly RepoFile[],
    private readonly listener: ((event: DownloadProgress) => void) | undefined,
  ) {
    this.bytesTotal = files.reduce((sum, f) => sum + f.size, 0);
  }

  reused(bytes: number): void {
    this.bytesReused += bytes;
  }

  fileBytes(file: RepoFile, fileBytesDone: number): void {
    this.emit(file, fileBytesDone, this.bytesCompleted + fileBytesDone);
  }

  fileFinished(file: RepoFile): void {
    this.bytesCompleted += file.size;
    this.filesDone++;
    this.emit(file, file.size, this.bytesCompleted);
  }

  private emit(file: RepoFile, fileBytesDone: number, bytesDone: number): void {
    this.listener?.({
      file: file.path,
      fileBytesDone,
      fileBytesTotal: file.size,
      bytesDone,
      bytesTotal: this.bytesTotal,
      bytesReused: this.bytesReused,
      filesDone: this.filesDone,
      filesTotal: this.files.length,
    });
  }
}
