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
import { z } from "zod";
import { AsrError, CancelledError, DownloadError, IoError, ModelNotFoundError, UsageError } from "../errors";
import { assertRepoId, assertRevision, hubCacheDir, isCommitHash, refPath, repoCacheDir, snapshotPath } from "./cache";

export const DEFAULT_ENDPOINT = "https://huggingface.co";
const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [500, 2_000, 5_000, 10_000];
const MAX_REDIRECTS = 10;
const USER_AGENT = "mlx-asr";

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

export interface DownloadOptions {
  /** Branch, tag or commit; default "main". */
  revision?: string;
  /** Default `HF_ENDPOINT`, else https://huggingface.co. */
  endpoint?: string;
  /** Default `HF_TOKEN`. Sent only to the endpoint's own origin, never to the hosts it redirects to. */
  token?: string;
  onProgress?: (event: DownloadProgress) => void;
  signal?: AbortSignal;
  /** fnmatch-style patterns (`*` also crosses `/`); only matching files are downloaded. Default: all files. */
  allowPatterns?: string[];
  /** Default hubCacheDir(). */
  cacheDir?: string;
  /** Waits between attempts after a transient failure (network, HTTP 5xx/429); their count is the number of retries. */
  retryDelaysMs?: readonly number[];
}

/** One file of the repository as the hub lists it. */
interface RepoFile {
  path: string;
  size: number;
  /** The blob name: the sha256 of an LFS file, the git blob sha1 of any other. */
  hash: string;
  algorithm: "sha256" | "git-sha1";
}

interface HubContext {
  repoId: string;
  endpoint: string;
  token: string | undefined;
  signal: AbortSignal | undefined;
  retryDelaysMs: readonly number[];
}

/** A failure worth retrying: the network, or the server saying "later". */
class TransientError extends Error {
  constructor(
    readonly reason: "unreachable" | "interrupted" | "server",
    message: string,
  ) {
    super(message);
  }
}

export async function downloadModel(repoId: string, options: DownloadOptions = {}): Promise<string> {
  assertRepoId(repoId);
  const revision = options.revision ?? "main";
  assertRevision(revision);
  const ctx: HubContext = {
    repoId,
    endpoint: parseEndpoint(options.endpoint ?? (process.env.HF_ENDPOINT || DEFAULT_ENDPOINT)),
    token: options.token ?? (process.env.HF_TOKEN || undefined),
    signal: options.signal,
    retryDelaysMs: options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS,
  };
  const cacheDir = options.cacheDir ? resolve(options.cacheDir) : hubCacheDir();

  const listing = await fetchRevisionListing(revision, ctx);
  const files = options.allowPatterns ? listing.files.filter((f) => matchesAnyPattern(f.path, options.allowPatterns!)) : listing.files;
  if (files.length === 0) {
    const available = listing.files.slice(0, 8).map((f) => f.path).join(", ");
    throw new DownloadError(
      "DOWNLOAD_NO_MATCHING_FILES",
      repoId,
      `no file at revision ${revision} matches ${options.allowPatterns?.join(" ") ?? "(all)"}; the repository has: ${available || "no files"}`,
    );
  }

  const repoDir = repoCacheDir(repoId, cacheDir);
  const snapshotDir = snapshotPath(repoId, listing.commit, cacheDir);
  const progress = new ProgressTally(files, options.onProgress);
  for (const file of files) {
    throwIfCancelled(ctx);
    const blobFile = join(repoDir, "blobs", file.hash);
    if (await isCompleteBlob(blobFile, file.size)) progress.reused(file.size);
    else {
      const url = `${ctx.endpoint}/${repoId}/resolve/${listing.commit}/${file.path.split("/").map(encodeURIComponent).join("/")}`;
      await downloadBlob(url, file, blobFile, ctx, progress);
    }
    await linkSnapshotFile(snapshotDir, file.path, blobFile);
    progress.fileFinished(file);
  }
  // Written last, so a branch name resolves only to a snapshot that is complete.
  if (revision !== listing.commit) await writeAtomically(refPath(repoId, revision, cacheDir), listing.commit);
  return snapshotDir;
}

function parseEndpoint(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new UsageError("INVALID_ENDPOINT", endpoint, "is not a URL (check HF_ENDPOINT)");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new UsageError("INVALID_ENDPOINT", endpoint, "must be an http(s) URL (check HF_ENDPOINT)");
  return endpoint.replace(/\/+$/, "");
}

// ---------------------------------------------------------------------------
// The revision listing

const HEX40 = /^[0-9a-f]{40}$/;
const HEX64 = /^[0-9a-f]{64}$/;

const RevisionListingSchema = z.object({
  sha: z.string().regex(HEX40, "is not a commit hash"),
  siblings: z.array(
    z.object({
      rfilename: z.string(),
      size: z.number().int().nonnegative().optional(),
      blobId: z.string().regex(HEX40, "is not a git blob sha1").optional(),
      lfs: z.object({ sha256: z.string().regex(HEX64, "is not a sha256"), size: z.number().int().nonnegative() }).nullish(),
    }),
  ),
});

async function fetchRevisionListing(revision: string, ctx: HubContext): Promise<{ commit: string; files: RepoFile[] }> {
  const subject = revision === "main" ? ctx.repoId : `${ctx.repoId}@${revision}`;
  const url = `${ctx.endpoint}/api/models/${ctx.repoId}/revision/${encodeURIComponent(revision)}?blobs=true`;
  const text = await withRetries(ctx, subject, async () => {
    const response = await hubGet(url, ctx, { accept: "application/json" });
    checkStatus(response, subject, ctx, revision === "main" ? "MODEL_NOT_FOUND" : "REVISION_NOT_FOUND");
    try {
      return await response.text();
    } catch (e) {
      throw bodyFailure(e, ctx);
    }
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new DownloadError("DOWNLOAD_BAD_RESPONSE", url, "did not answer with JSON; is HF_ENDPOINT a Hugging Face hub?");
  }
  const parsed = RevisionListingSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DownloadError("DOWNLOAD_BAD_RESPONSE", url, `unexpected answer: field "${issue.path.join(".")}": ${issue.message}`);
  }
  const files = parsed.data.siblings.map((s): RepoFile => {
    if (!isSafeRepoPath(s.rfilename)) throw new DownloadError("DOWNLOAD_BAD_RESPONSE", url, `lists an unsafe file name ${JSON.stringify(s.rfilename)}`);
    if (s.lfs) return { path: s.rfilename, size: s.lfs.size, hash: s.lfs.sha256, algorithm: "sha256" };
    if (s.blobId === undefined || s.size === undefined) {
      throw new DownloadError("DOWNLOAD_BAD_RESPONSE", url, `gives no size or blobId for ${s.rfilename}, so it cannot be verified`);
    }
    return { path: s.rfilename, size: s.size, hash: s.blobId, algorithm: "git-sha1" };
  });
  return { commit: parsed.data.sha, files };
}

/** A relative path whose every segment is a plain name: it cannot leave the snapshot directory. */
function isSafeRepoPath(path: string): boolean {
  if (path.length === 0 || path.includes("\\") || path.includes("\0")) return false;
  return path.split("/").every((segment) => segment !== "" && segment !== "." && segment !== "..");
}

/** fnmatch semantics, as huggingface_hub's allow_patterns: `*` matches any run (including `/`), `?` one character, `[…]` a class. */
function matchesAnyPattern(path: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => globToRegExp(pattern.endsWith("/") ? `${pattern}*` : pattern).test(path));
}

function globToRegExp(glob: string): RegExp {
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    const classEnd = c === "[" ? glob.indexOf("]", i + 2) : -1;
    if (c === "*") source += ".*";
    else if (c === "?") source += ".";
    else if (classEnd > 0) {
      const body = glob.slice(i + 1, classEnd).replace(/\\/g, "\\\\");
      source += body.startsWith("!") ? `[^${body.slice(1)}]` : `[${body}]`;
      i = classEnd;
    } else source += c.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
  }
  return new RegExp(`^${source}$`, "s");
}

// ---------------------------------------------------------------------------
// HTTP

/** GET with redirects followed by hand, so the token only ever goes to the endpoint's origin. */
async function hubGet(url: string, ctx: HubContext, headers: Record<string, string>): Promise<Response> {
  const endpointOrigin = new URL(ctx.endpoint).origin;
  let target = new URL(url);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const sent: Record<string, string> = { "user-agent": USER_AGENT, ...headers };
    if (ctx.token && target.origin === endpointOrigin) sent.authorization = `Bearer ${ctx.token}`;
    let response: Response;
    try {
      response = await fetch(target, { headers: sent, redirect: "manual", signal: ctx.signal });
    } catch (e) {
      throwIfCancelled(ctx);
      throw new TransientError("unreachable", describeNetworkError(e));
    }
    const location = response.headers.get("location");
    if (response.status < 300 || response.status >= 400 || !location) return response;
    discardBody(response);
    target = new URL(location, target);
  }
  throw new DownloadError("DOWNLOAD_TOO_MANY_REDIRECTS", url, `redirected more than ${MAX_REDIRECTS} times`);
}

/** Throws the typed error for a failed response; returns for 2xx (and 416, which the caller handles). */
function checkStatus(response: Response, subject: string, ctx: HubContext, notFoundCode: string): void {
  const { status } = response;
  if ((status >= 200 && status < 300) || status === 416) return;
  discardBody(response);
  const hubCode = response.headers.get("x-error-code");
  const where = `the hub at ${ctx.endpoint}`;
  // The hub answers 401, not 404, for a repository that does not exist (or is private) when asked without a token.
  if (status === 404 || hubCode === "RepositoryNotFound" || hubCode === "RevisionNotFound") {
    const code = hubCode === "RevisionNotFound" ? "REVISION_NOT_FOUND" : hubCode === "RepositoryNotFound" ? "MODEL_NOT_FOUND" : notFoundCode;
    const advice =
      code === "REVISION_NOT_FOUND"
        ? "check the branch, tag or commit"
        : code === "MODEL_NOT_FOUND" && !ctx.token
          ? "check the name (if the model is private, set HF_TOKEN to an access token that can read it)"
          : "check the name";
    throw new ModelNotFoundError(code, subject, `was not found on ${where} (HTTP ${status}); ${advice}`);
  }
  if (status === 401 || status === 403) {
    const detail =
      hubCode === "GatedRepo"
        ? `is gated: accept its conditions at ${ctx.endpoint}/${ctx.repoId} and set HF_TOKEN to an access token of that account`
        : ctx.token
          ? `${where} refused the access token (HTTP ${status}); check HF_TOKEN and that the token may read this model`
          : `${where} requires authentication (HTTP ${status}); set HF_TOKEN to a Hugging Face access token that can read this model`;
    throw new DownloadError("DOWNLOAD_UNAUTHORIZED", subject, detail);
  }
  if (status === 408 || status === 429 || status >= 500) throw new TransientError("server", `${where} answered HTTP ${status}`);
  throw new DownloadError("DOWNLOAD_HTTP_ERROR", subject, `${where} answered HTTP ${status} ${response.statusText}`.trim());
}

async function withRetries<T>(ctx: HubContext, subject: string, attempt: () => Promise<T>): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await attempt();
    } catch (e) {
      if (!(e instanceof TransientError)) throw e;
      const delay = ctx.retryDelaysMs[retry];
      if (delay === undefined) throw exhaustedRetries(e, subject, ctx, retry + 1);
      await sleep(delay, ctx);
    }
  }
}

function exhaustedRetries(e: TransientError, subject: string, ctx: HubContext, attempts: number): DownloadError {
  const tries = `${attempts} attempt${attempts === 1 ? "" : "s"}`;
  if (e.reason === "unreachable") {
    return new DownloadError(
      "DOWNLOAD_UNREACHABLE",
      ctx.endpoint,
      `could not be reached (${e.message}; ${tries}); check the network connection, or set HF_ENDPOINT to a mirror`,
    );
  }
  if (e.reason === "server") return new DownloadError("DOWNLOAD_SERVER_ERROR", subject, `${e.message} (${tries}); try again later`);
  return new DownloadError("DOWNLOAD_INTERRUPTED", subject, `the connection kept failing (${e.message}; ${tries}); run the download again to resume`);
}

function discardBody(response: Response): void {
  response.body?.cancel().catch(() => {});
}

function bodyFailure(e: unknown, ctx: HubContext): Error {
  throwIfCancelled(ctx);
  return new TransientError("interrupted", describeNetworkError(e));
}

function describeNetworkError(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  return typeof code === "string" ? code : e instanceof Error ? e.message.split("\n")[0]! : String(e);
}

function throwIfCancelled(ctx: HubContext): void {
  if (ctx.signal?.aborted) {
    throw new CancelledError("DOWNLOAD_CANCELLED", ctx.repoId, "the download was cancelled; run it again to resume where it stopped");
  }
}

/** Waits `ms`, or throws the CancelledError as soon as the download is cancelled. */
function sleep(ms: number, ctx: HubContext): Promise<void> {
  return new Promise<void>((wake, fail) => {
    const onAbort = () => {
      clearTimeout(timer);
      try {
        throwIfCancelled(ctx);
      } catch (e) {
        fail(e);
      }
    };
    const timer = setTimeout(() => {
      ctx.signal?.removeEventListener("abort", onAbort);
      wake();
    }, ms);
    if (ctx.signal?.aborted) onAbort();
    else ctx.signal?.addEventListener("abort", onAbort, { once: true });
  });
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
