/**
 * downloadModel against a local imitation of the hub: the exact huggingface_hub
 * cache layout, resume (within a call and across runs), integrity checks, and
 * the typed errors for authentication, missing models and unreachable hosts.
 */
import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AsrError, CancelledError, DownloadError, ModelNotFoundError } from "../../src/errors";
import { resolveCachedSnapshot } from "../../src/hub/cache";
import { downloadModel, type DownloadOptions, type DownloadProgress } from "../../src/hub/download";
import { blobName, MAIN_COMMIT, MODEL_FILE, startFakeHub, tinyRepo, V1_COMMIT, type FakeRepoFile } from "./fake-hub";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

const MODEL_PATTERNS = ["*.json", "*.safetensors", "*.txt", "*.model", "*.mvn", "*.yaml"];
const REPO = tinyRepo();
const PRIVATE = tinyRepo("test-org/private-asr", "hf_secret");
const UNSAFE = { ...tinyRepo("test-org/unsafe"), files: [{ path: "../escape.json", bytes: new Uint8Array([123, 125]), lfs: false }] };
const hub = startFakeHub([REPO, PRIVATE, UNSAFE]);
const REPO_DIR_NAME = "models--test-org--tiny-asr";
/** The two requests of a listing: the revision pinned to its commit, then the tree at that commit. */
const LISTING = [`/api/models/${REPO.id}/revision/main`, `/api/models/${REPO.id}/tree/${MAIN_COMMIT}`];
const savedEnv = { HF_TOKEN: process.env.HF_TOKEN, HF_ENDPOINT: process.env.HF_ENDPOINT };

beforeEach(() => {
  hub.reset();
  delete process.env.HF_TOKEN;
  delete process.env.HF_ENDPOINT;
});

afterAll(() => {
  hub.stop();
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

function freshCache(): string {
  return mkdtempSync(join(tmpdir(), "mlx-asr-hub-"));
}

function download(cacheDir: string, options: DownloadOptions = {}, repoId = REPO.id): Promise<string> {
  return downloadModel(repoId, { endpoint: hub.url, cacheDir, allowPatterns: MODEL_PATTERNS, retryDelaysMs: [10, 10, 10], ...options });
}

async function failure(promise: Promise<unknown>): Promise<AsrError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof AsrError) return e;
    throw e;
  }
  throw new Error("expected the download to fail");
}

function file(path: string): FakeRepoFile {
  return REPO.files.find((f) => f.path === path)!;
}

const modelFile = file(MODEL_FILE);
const modelFiles = REPO.files.filter((f) => f.path !== "README.md");

describe("a full download", () => {
  const cache = freshCache();
  const events: DownloadProgress[] = [];
  let snapshot = "";

  test("returns the snapshot directory of the commit", async () => {
    snapshot = await download(cache, { onProgress: (e) => events.push(e) });
    expect(snapshot).toBe(join(cache, REPO_DIR_NAME, "snapshots", MAIN_COMMIT));
  });

  test("lays out the cache exactly as huggingface_hub does", () => {
    const repoDir = join(cache, REPO_DIR_NAME);
    expect(readdirSync(repoDir).sort()).toEqual(["blobs", "refs", "snapshots"]);
    expect(readFileSync(join(repoDir, "refs", "main"), "utf8")).toBe(MAIN_COMMIT);
    expect(readdirSync(join(repoDir, "blobs")).sort()).toEqual(modelFiles.map(blobName).sort());
    for (const f of modelFiles) {
      const link = join(snapshot, f.path);
      expect(lstatSync(link).isSymbolicLink()).toBe(true);
      const depth = f.path.split("/").length - 1;
      expect(readlinkSync(link)).toBe(`${"../".repeat(depth + 2)}blobs/${blobName(f)}`);
      expect(new Uint8Array(readFileSync(link))).toEqual(f.bytes);
    }
    expect(existsSync(join(snapshot, "README.md"))).toBe(false);
  });

  test("names LFS blobs by sha256 and other blobs by the git blob sha1 (as `git hash-object`)", () => {
    expect(blobName(modelFile)).toMatch(/^[0-9a-f]{64}$/);
    const config = file("config.json");
    const git = Bun.spawnSync(["git", "hash-object", "--stdin"], { stdin: config.bytes });
    expect(blobName(config)).toBe(git.stdout.toString().trim());
  });

  test("reports progress up to every byte and file", () => {
    const total = modelFiles.reduce((sum, f) => sum + f.bytes.length, 0);
    const last = events.at(-1)!;
    expect(last).toMatchObject({ bytesDone: total, bytesTotal: total, bytesReused: 0, filesDone: modelFiles.length, filesTotal: modelFiles.length });
    for (let i = 1; i < events.length; i++) expect(events[i]!.bytesDone).toBeGreaterThanOrEqual(events[i - 1]!.bytesDone);
    expect(events.some((e) => e.file === MODEL_FILE && e.fileBytesDone > 0 && e.fileBytesDone < e.fileBytesTotal)).toBe(true);
  });

  test("a rerun skips the complete files and requests only the listing", async () => {
    hub.reset();
    const again: DownloadProgress[] = [];
    expect(await download(cache, { onProgress: (e) => again.push(e) })).toBe(snapshot);
    expect(hub.requests.map((r) => r.path)).toEqual(LISTING);
    expect(again.at(-1)!.bytesReused).toBe(again.at(-1)!.bytesTotal);
  });

  test("the snapshot resolves by branch name and by commit", () => {
    expect(resolveCachedSnapshot(REPO.id, "main", cache)).toBe(snapshot);
    expect(resolveCachedSnapshot(REPO.id, MAIN_COMMIT, cache)).toBe(snapshot);
  });
});

test("a tag writes refs/<tag>; a commit revision writes no ref", async () => {
  const cache = freshCache();
  const tagged = await download(cache, { revision: "v1", allowPatterns: ["*.json"] });
  expect(tagged).toBe(join(cache, REPO_DIR_NAME, "snapshots", V1_COMMIT));
  expect(readFileSync(join(cache, REPO_DIR_NAME, "refs", "v1"), "utf8")).toBe(V1_COMMIT);
  expect(readdirSync(tagged).sort()).toEqual(["config.json", "encoder"]);

  await download(cache, { revision: MAIN_COMMIT, allowPatterns: ["config.json"] });
  expect(readdirSync(join(cache, REPO_DIR_NAME, "refs"))).toEqual(["v1"]);
});

describe("resume", () => {
  test("a connection dropped mid-file is resumed with a Range request in the same call", async () => {
    const cache = freshCache();
    hub.faults.dropOnce.add(MODEL_FILE);
    const snapshot = await download(cache);
    const cdn = hub.fileRequests(MODEL_FILE).filter((r) => r.origin === "cdn");
    expect(cdn).toHaveLength(2);
    expect(cdn[0]!.range).toBeNull();
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(cdn[1]!.range ?? "")?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThan(modelFile.bytes.length);
    expect(new Uint8Array(readFileSync(join(snapshot, MODEL_FILE)))).toEqual(modelFile.bytes);
  });

  /** Cancels a download once a quarter of the model file has arrived; returns the partial file. */
  async function interruptedRun(cache: string): Promise<string> {
    const stop = new AbortController();
    const error = await failure(
      download(cache, {
        signal: stop.signal,
        onProgress: (e) => {
          if (e.file === MODEL_FILE && e.fileBytesDone >= e.fileBytesTotal / 4) stop.abort();
        },
      }),
    );
    expect(error).toBeInstanceOf(CancelledError);
    expect(error.code).toBe("DOWNLOAD_CANCELLED");
    const partial = join(cache, REPO_DIR_NAME, "blobs", `${blobName(modelFile)}.incomplete`);
    const size = statSync(partial).size;
    expect(size).toBeGreaterThan(0);
    expect(size).toBeLessThan(modelFile.bytes.length);
    // The interrupted run left nothing half-done where a model loader would look.
    expect(existsSync(join(cache, REPO_DIR_NAME, "snapshots", MAIN_COMMIT, MODEL_FILE))).toBe(false);
    expect(existsSync(join(cache, REPO_DIR_NAME, "refs", "main"))).toBe(false);
    expect(resolveCachedSnapshot(REPO.id, "main", cache)).toBeNull();
    return partial;
  }

  test("a rerun after an interrupted run continues from the .incomplete file", async () => {
    const cache = freshCache();
    const partial = await interruptedRun(cache);
    const partialSize = statSync(partial).size;
    hub.reset();
    const events: DownloadProgress[] = [];
    const snapshot = await download(cache, { onProgress: (e) => events.push(e) });
    const requests = hub.fileRequests(MODEL_FILE).filter((r) => r.origin === "cdn");
    expect(requests.map((r) => r.range)).toEqual([`bytes=${partialSize}-`]);
    expect(hub.fileRequests("config.json")).toHaveLength(0); // finished in the first run
    expect(new Uint8Array(readFileSync(join(snapshot, MODEL_FILE)))).toEqual(modelFile.bytes);
    expect(existsSync(partial)).toBe(false);
    expect(events.at(-1)!.bytesReused).toBeGreaterThanOrEqual(partialSize);
  });

  test("a server that ignores Range (200) makes the download start over, still exact", async () => {
    const cache = freshCache();
    const partial = await interruptedRun(cache);
    hub.reset();
    hub.faults.ignoreRange = true;
    const snapshot = await download(cache);
    expect(hub.fileRequests(MODEL_FILE).find((r) => r.origin === "cdn")!.range).toMatch(/^bytes=\d+-$/);
    expect(new Uint8Array(readFileSync(join(snapshot, MODEL_FILE)))).toEqual(modelFile.bytes);
    expect(existsSync(partial)).toBe(false);
  });
});

describe("integrity", () => {
  for (const [path, algorithm] of [
    [MODEL_FILE, "sha256"],
    ["encoder/config.json", "git blob sha1"],
  ] as const) {
    test(`a ${algorithm} mismatch is DOWNLOAD_CORRUPT and leaves no file behind (${path})`, async () => {
      const cache = freshCache();
      hub.faults.corrupt.add(path);
      const error = await failure(download(cache));
      expect(error).toBeInstanceOf(DownloadError);
      expect(error.code).toBe("DOWNLOAD_CORRUPT");
      expect(error.message).toContain(`${REPO.id}/${path}`);
      expect(error.message).toContain(algorithm);
      const blobs = readdirSync(join(cache, REPO_DIR_NAME, "blobs"));
      expect(blobs.filter((b) => b.startsWith(blobName(file(path))))).toEqual([]);
      expect(existsSync(join(cache, REPO_DIR_NAME, "snapshots", MAIN_COMMIT, path))).toBe(false);
      expect(existsSync(join(cache, REPO_DIR_NAME, "refs", "main"))).toBe(false);

      hub.faults.corrupt.clear();
      const snapshot = await download(cache);
      expect(new Uint8Array(readFileSync(join(snapshot, path)))).toEqual(file(path).bytes);
    });
  }

  test("a listing with a file name that leaves the snapshot is refused", async () => {
    const cache = freshCache();
    const error = await failure(download(cache, { allowPatterns: undefined }, UNSAFE.id));
    expect(error.code).toBe("DOWNLOAD_BAD_RESPONSE");
    expect(error.message).toContain("../escape.json");
    expect(readdirSync(cache)).toEqual([]);
  });
});

describe("hub errors", () => {
  test("a private model without a token is DOWNLOAD_UNAUTHORIZED, saying to set HF_TOKEN", async () => {
    const error = await failure(download(freshCache(), {}, PRIVATE.id));
    expect(error).toBeInstanceOf(DownloadError);
    expect(error.code).toBe("DOWNLOAD_UNAUTHORIZED");
    expect(error.message).toContain(PRIVATE.id);
    expect(error.message).toContain("HF_TOKEN");
  });

  test("a wrong token is DOWNLOAD_UNAUTHORIZED", async () => {
    const error = await failure(download(freshCache(), { token: "hf_wrong" }, PRIVATE.id));
    expect(error.code).toBe("DOWNLOAD_UNAUTHORIZED");
    expect(error.message).toContain("refused the access token");
  });

  test("HF_TOKEN is used, and sent only to the hub, not to the host it redirects to", async () => {
    process.env.HF_TOKEN = "hf_secret";
    const snapshot = await download(freshCache(), {}, PRIVATE.id);
    expect(readFileSync(join(snapshot, MODEL_FILE)).length).toBe(modelFile.bytes.length);
    const hubRequests = hub.requests.filter((r) => r.origin === "hub");
    expect(hubRequests.every((r) => r.authorization === "Bearer hf_secret")).toBe(true);
    const cdnRequests = hub.requests.filter((r) => r.origin === "cdn");
    expect(cdnRequests.length).toBeGreaterThan(0);
    expect(cdnRequests.every((r) => r.authorization === null)).toBe(true);
  });

  test("an unknown model is ModelNotFoundError naming it", async () => {
    const error = await failure(download(freshCache(), {}, "test-org/absent"));
    expect(error).toBeInstanceOf(ModelNotFoundError);
    expect(error.code).toBe("MODEL_NOT_FOUND");
    expect(error.message).toContain("test-org/absent");
  });

  test("an unknown revision is REVISION_NOT_FOUND", async () => {
    const error = await failure(download(freshCache(), { revision: "no-such-branch" }));
    expect(error).toBeInstanceOf(ModelNotFoundError);
    expect(error.code).toBe("REVISION_NOT_FOUND");
    expect(error.message).toContain(`${REPO.id}@no-such-branch`);
  });

  test("patterns that match nothing are DOWNLOAD_NO_MATCHING_FILES", async () => {
    const error = await failure(download(freshCache(), { allowPatterns: ["*.gguf"] }));
    expect(error.code).toBe("DOWNLOAD_NO_MATCHING_FILES");
    expect(error.message).toContain("*.gguf");
  });

  test("HF_ENDPOINT is honoured", async () => {
    process.env.HF_ENDPOINT = hub.url;
    const cache = freshCache();
    await downloadModel(REPO.id, { cacheDir: cache, allowPatterns: ["config.json"] });
    expect(hub.requests.map((r) => r.path)).toEqual([...LISTING, "config.json"]);
  });

  test("an unreachable endpoint is DOWNLOAD_UNREACHABLE, mentioning HF_ENDPOINT", async () => {
    const closed = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
    const endpoint = closed.url.origin;
    closed.stop(true);
    const error = await failure(download(freshCache(), { endpoint, retryDelaysMs: [5] }));
    expect(error).toBeInstanceOf(DownloadError);
    expect(error.code).toBe("DOWNLOAD_UNREACHABLE");
    expect(error.message).toContain(endpoint);
    expect(error.message).toContain("HF_ENDPOINT");
    expect(error.message).toContain("2 attempts");
  });

  test("ids and revisions that could leave the cache are refused before any request", async () => {
    for (const [repoId, revision] of [
      ["../escape", "main"],
      ["test-org/..", "main"],
      [REPO.id, "../../escape"],
      [REPO.id, "/abs"],
    ] as const) {
      const error = await failure(download(freshCache(), { revision }, repoId));
      expect(error.code).toMatch(/^INVALID_(REPO_ID|REVISION)$/);
    }
    expect(hub.requests).toEqual([]);
  });
});
