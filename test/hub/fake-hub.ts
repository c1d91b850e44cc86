/**
 * A local imitation of the Hugging Face hub's file API, for the download tests:
 * the revision endpoint (the commit, and `siblings`), the tree listing
 * (`/api/models/{repo}/tree/{revision}[/{path}]?recursive=true`, with git blob ids
 * and LFS sha256, paged by `Link` headers), file resolution with a redirect of
 * LFS files to a separate "CDN" origin, HTTP Range, a token check, and faults to
 * order (a dropped connection, a stalled one, a server that ignores Range,
 * corrupted bytes).
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
  /** Paths whose downloads send half the bytes and then hang (the client is killed meanwhile). */
  stall: Set<string>;
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

export interface FakeHubOptions {
  /** Entries per page of the tree listing (the hub pages long listings). */
  readonly treePageSize?: number;
}

export function startFakeHub(repos: FakeRepo[], options: FakeHubOptions = {}): FakeHub {
  const requests: RecordedRequest[] = [];
  const faults: FakeHubFaults = { dropOnce: new Set(), ignoreRange: false, corrupt: new Set(), stall: new Set() };
  const pageSize = options.treePageSize ?? 1000;
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
      const tree = /^\/api\/models\/([^/]+\/[^/]+)\/tree\/([^/]+)(?:\/(.*))?$/.exec(url.pathname);
      const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
      const match = listing ?? tree ?? resolve;
      if (!match) return new Response("no such route", { status: 404 });
      const repoId = match[1]!;
      const revision = decodeURIComponent(match[2]!);
      const path = resolve ? decodeURIComponent(resolve[3]!) : "";
      record("hub", req, resolve ? path : url.pathname);

      const repo = byId.get(repoId);
      if (!repo) return errorResponse(404, "RepositoryNotFound");
      if (repo.token && req.headers.get("authorization") !== `Bearer ${repo.token}`) return errorResponse(401, null);
      const commit = repo.refs[revision] ?? (Object.values(repo.refs).includes(revision) ? revision : null);
      if (!commit) return errorResponse(404, "RevisionNotFound");

      if (listing) return Response.json({ id: repo.id, sha: commit, siblings: repo.files.map(sibling) });
      if (tree) return treePage(url, repo, decodeURIComponent(tree[3] ?? ""), pageSize);
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
      faults.stall.clear();
      faults.ignoreRange = false;
    },
    stop() {
      hub.stop(true);
      cdn.stop(true);
    },
  };
}

/** The hub's tree entries (files and the folders above them) under `dir`, recursively or one level; paged with a `Link` header. */
function treePage(url: URL, repo: FakeRepo, dir: string, pageSize: number): Response {
  const recursive = ["true", "True", "1"].includes(url.searchParams.get("recursive") ?? "");
  const base = dir ? `${dir.replace(/\/$/, "")}/` : "";
  const inside = repo.files.filter((f) => f.path.startsWith(base));
  if (dir && inside.length === 0) return errorResponse(404, "EntryNotFound");
  const folders = new Set<string>();
  for (const f of inside) {
    const parts = f.path.slice(base.length).split("/");
    for (let depth = 1; depth < parts.length; depth++) folders.add(base + parts.slice(0, depth).join("/"));
  }
  const depthOf = (path: string) => path.slice(base.length).split("/").length;
  const entries = [
    ...[...folders].sort().map((path) => ({ type: "directory", oid: gitBlobSha1(new TextEncoder().encode(path)), size: 0, path })),
    ...inside.map((f) => ({ type: "file", ...treeFile(f) })),
  ].filter((e) => recursive || depthOf(e.path) === 1);
  const start = Number(url.searchParams.get("cursor") ?? 0);
  const page = entries.slice(start, start + pageSize);
  const headers: Record<string, string> = {};
  if (start + pageSize < entries.length) {
    const next = new URL(url);
    next.searchParams.set("cursor", String(start + pageSize));
    headers.link = `<${next.href}>; rel="next"`;
  }
  return Response.json(page, { headers });
}

function treeFile(file: FakeRepoFile) {
  const size = file.bytes.length;
  if (!file.lfs) return { oid: gitBlobSha1(file.bytes), size, path: file.path };
  const pointer = new TextEncoder().encode(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha256(file.bytes)}\nsize ${size}\n`);
  return { oid: gitBlobSha1(pointer), size, lfs: { oid: sha256(file.bytes), size, pointerSize: pointer.length }, path: file.path };
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
  const stallAt = faults.stall.has(file.path) ? body.length >> 1 : null;
  return new Response(chunkedStream(body, dropAt, stallAt), { status: start > 0 ? 206 : 200, headers });
}

/** Streams `bytes` in pieces; with `dropAt`, resets the connection after that many bytes; with `stallAt`, stops sending there and never ends. */
function chunkedStream(bytes: Uint8Array, dropAt: number | null, stallAt: number | null = null): ReadableStream<Uint8Array> {
  let offset = 0;
  const end = stallAt ?? dropAt ?? bytes.length;
  return new ReadableStream({
    async pull(controller) {
      if (offset >= end) {
        if (stallAt !== null) return new Promise<void>(() => {});
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
