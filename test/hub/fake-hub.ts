/**
 * A local imitation of the Hugging Face hub's file API, for the download tests:
 * the revision listing (`?blobs=true`, with git blob ids and LFS sha256), file
 * resolution with a redirect of LFS files to a separate "CDN" origin, HTTP
 * Range, a token check, and faults to order (a dropped connection, a server
 * that ignores Range, corrupted bytes).
 */
import { createHash } from "node:crypto";

export interface FakeRepoFile {
  path: string;
  bytes: Uint8Array<ArrayBuffer>;
  lfs: boolean;
}

export interface FakeRepo {
  id: string;
  /** Branch and tag names → commit; every commit listed here serves the same files. */
  refs: Record<string, string>;
  files: FakeRepoFile[];
  /** When set, the repository is private: requests must carry `Bearer <token>`. */
  token?: string;
}

export interface FakeHubFaults {
  /** Paths whose next download stops halfway with a reset connection (once each). */
  dropOnce: Set<string>;
  /** Answer every file request with 200 and the whole file, as a server without Range support. */
  ignoreRange: boolean;
  /** Paths served with one byte changed (same size). */
  corrupt: Set<string>;
}

export interface RecordedRequest {
  origin: "hub" | "cdn";
  path: string;
  range: string | null;
  authorization: string | null;
}

export interface FakeHub {
  url: string;
  requests: RecordedRequest[];
  faults: FakeHubFaults;
  /** Requests for one repository file, through the hub or the CDN. */
  fileRequests(path: string): RecordedRequest[];
  reset(): void;
  stop(): void;
}

const CHUNK = 256 * 1024;

export function gitBlobSha1(bytes: Uint8Array): string {
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The blob name the cache must use for a file. */
export function blobName(file: FakeRepoFile): string {
  return file.lfs ? sha256(file.bytes) : gitBlobSha1(file.bytes);
}

/** Deterministic pseudo-random bytes. */
export function pseudoRandomBytes(length: number, seed: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = state & 0xff;
  }
  return out;
}

export function startFakeHub(repos: FakeRepo[]): FakeHub {
  const requests: RecordedRequest[] = [];
  const faults: FakeHubFaults = { dropOnce: new Set(), ignoreRange: false, corrupt: new Set() };
  const byId = new Map(repos.map((r) => [r.id, r]));
  const record = (origin: RecordedRequest["origin"], req: Request, path: string) =>
    requests.push({ origin, path, range: req.headers.get("range"), authorization: req.headers.get("authorization") });

  const cdn = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      const url = new URL(req.url);
      const path = url.searchParams.get("file") ?? "";
      record("cdn", req, path);
      const file = repos.flatMap((r) => r.files).find((f) => f.lfs && sha256(f.bytes) === url.pathname.slice(1) && f.path === path);
      return file ? serveBytes(req, file, faults) : new Response("not found", { status: 404 });
    },
  });

  const hub = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      const url = new URL(req.url);
      const listing = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/([^/]+)$/.exec(url.pathname);
      const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
      const match = listing ?? resolve;
      if (!match) return new Response("no such route", { status: 404 });
      const repoId = match[1]!;
      const revision = decodeURIComponent(match[2]!);
      const path = resolve ? decodeURIComponent(resolve[3]!) : "";
      record("hub", req, path);

      const repo = byId.get(repoId);
      if (!repo) return errorResponse(404, "RepositoryNotFound");
      if (repo.token && req.headers.get("authorization") !== `Bearer ${repo.token}`) return errorResponse(401, null);
      const commit = repo.refs[revision] ?? (Object.values(repo.refs).includes(revision) ? revision : null);
      if (!commit) return errorResponse(404, "RevisionNotFound");

      if (listing) {
        if (url.searchParams.get("blobs") !== "true") return new Response("the client must ask for blobs=true", { status: 400 });
        return Response.json({ id: repo.id, sha: commit, siblings: repo.files.map(sibling) });
      }
      const file = repo.files.find((f) => f.path === path);
      if (!file) return errorResponse(404, "EntryNotFound");
      if (!file.lfs) return serveBytes(req, file, faults);
      const location = `${cdn.url.origin}/${sha256(file.bytes)}?file=${encodeURIComponent(file.path)}`;
      return new Response(null, { status: 302, headers: { location } });
    },
  });

  return {
    url: hub.url.origin,
    requests,
    faults,
    fileRequests: (path) => requests.filter((r) => r.path === path),
    reset() {
      requests.length = 0;
      faults.dropOnce.clear();
      faults.corrupt.clear();
      faults.ignoreRange = false;
    },
    stop() {
      hub.stop(true);
      cdn.stop(true);
    },
  };
}

function sibling(file: FakeRepoFile) {
  const size = file.bytes.length;
  return file.lfs
    ? { rfilename: file.path, size, blobId: gitBlobSha1(new TextEncoder().encode(`oid sha256:${sha256(file.bytes)}\nsize ${size}\n`)), lfs: { sha256: sha256(file.bytes), size, pointerSize: 134 } }
    : { rfilename: file.path, size, blobId: gitBlobSha1(file.bytes) };
}

function errorResponse(status: number, hubCode: string | null): Response {
  const headers: Record<string, string> = hubCode ? { "x-error-code": hubCode } : {};
  return new Response(JSON.stringify({ error: hubCode ?? "Unauthorized" }), { status, headers });
}

function serveBytes(req: Request, file: FakeRepoFile, faults: FakeHubFaults): Response {
  let bytes = file.bytes;
  if (faults.corrupt.has(file.path)) {
    bytes = bytes.slice();
    const middle = bytes.length >> 1;
    bytes[middle] = bytes[middle]! ^ 0xff;
  }
  const size = bytes.length;
  const headers: Record<string, string> = { "accept-ranges": "bytes", "content-type": "application/octet-stream" };
  let start = 0;
  const range = /^bytes=(\d+)-$/.exec(req.headers.get("range") ?? "");
  if (range && !faults.ignoreRange) {
    start = Number(range[1]);
    if (start >= size) return new Response(null, { status: 416, headers: { "content-range": `bytes */${size}` } });
    headers["content-range"] = `bytes ${start}-${size - 1}/${size}`;
  }
  const body = bytes.subarray(start);
  const dropAt = faults.dropOnce.delete(file.path) ? body.length >> 1 : null;
  return new Response(chunkedStream(body, dropAt), { status: start > 0 ? 206 : 200, headers });
}

/** Streams `bytes` in pieces; with `dropAt`, resets the connection after that many bytes. */
function chunkedStream(bytes: Uint8Array, dropAt: number | null): ReadableStream<Uint8Array> {
  let offset = 0;
  const end = dropAt ?? bytes.length;
  return new ReadableStream({
    async pull(controller) {
      if (offset >= end) {
        if (dropAt === null) return controller.close();
        await Bun.sleep(20); // lets the bytes before the drop reach the client
        return controller.error(undefined); // an undefined reason resets the connection without logging an error
      }
      const piece = bytes.subarray(offset, Math.min(offset + CHUNK, end));
      offset += piece.length;
      controller.enqueue(piece);
    },
  });
}

export const MAIN_COMMIT = "0123456789abcdef0123456789abcdef01234567";
export const V1_COMMIT = "89abcdef0123456789abcdef0123456789abcdef";
export const MODEL_FILE = "model.safetensors";

/** A small model repository: LFS weights (one nested), plain configs, and a README that model patterns leave out. */
export function tinyRepo(id = "test-org/tiny-asr", token?: string): FakeRepo {
  const text = (s: string) => new TextEncoder().encode(s);
  return {
    id,
    refs: { main: MAIN_COMMIT, v1: V1_COMMIT },
    token,
    files: [
      { path: "config.json", bytes: text('{"model_type": "tiny-asr"}\n'), lfs: false },
      { path: MODEL_FILE, bytes: pseudoRandomBytes(4_000_000, 1), lfs: true },
      { path: "encoder/config.json", bytes: text('{"layers": 2}\n'), lfs: false },
      { path: "encoder/model.safetensors", bytes: pseudoRandomBytes(600_000, 2), lfs: true },
      { path: "frontend/am.mvn", bytes: text("<Nnet>\n<Splice> 560 560\n</Nnet>\n"), lfs: false },
      { path: "README.md", bytes: text("# tiny-asr\n"), lfs: false },
    ],
  };
}
