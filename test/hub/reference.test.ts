/**
 * Model references: directories, hub ids resolved through the cache (by branch,
 * tag or commit), and strings that must never become a path into or out of the
 * cache.
 */
import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join, relative } from "node:path";
import { ModelNotFoundError, UsageError } from "../../src/errors";
import { hubCacheDir, repoFolderName, resolveCachedSnapshot, snapshotPath } from "../../src/hub/cache";
import { parseHubId, resolveModelReference } from "../../src/hub/reference";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

const COMMIT = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const OTHER_COMMIT = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

/** A cache holding org/model at COMMIT, with `main` and `release/v2` pointing at it. */
function cacheWithSnapshot(): string {
  const cache = mkdtempSync(join(tmpdir(), "mlx-asr-ref-"));
  const repo = join(cache, "models--org--model");
  mkdirSync(join(repo, "snapshots", COMMIT), { recursive: true });
  mkdirSync(join(repo, "refs", "release"), { recursive: true });
  writeFileSync(join(repo, "refs", "main"), COMMIT);
  writeFileSync(join(repo, "refs", "release", "v2"), `${COMMIT}\n`);
  writeFileSync(join(repo, "refs", "stale"), OTHER_COMMIT);
  writeFileSync(join(repo, "refs", "garbage"), "not a commit");
  return cache;
}

describe("hubCacheDir", () => {
  test("HF_HUB_CACHE wins, then HF_HOME/hub, then ~/.cache/huggingface/hub", () => {
    expect(hubCacheDir({ HF_HUB_CACHE: "/srv/hub", HF_HOME: "/srv/hf" })).toBe("/srv/hub");
    expect(hubCacheDir({ HF_HOME: "/srv/hf" })).toBe("/srv/hf/hub");
    expect(hubCacheDir({})).toBe(join(homedir(), ".cache", "huggingface", "hub"));
    expect(hubCacheDir({ XDG_CACHE_HOME: "/srv/xdg" })).toBe("/srv/xdg/huggingface/hub");
    expect(hubCacheDir({ HF_HUB_CACHE: "~/models" })).toBe(join(homedir(), "models"));
  });

  test("repo folders and snapshot paths", () => {
    expect(repoFolderName("FunAudioLLM/Fun-ASR-Nano")).toBe("models--FunAudioLLM--Fun-ASR-Nano");
    expect(snapshotPath("org/model", COMMIT, "/c")).toBe(`/c/models--org--model/snapshots/${COMMIT}`);
    expect(() => snapshotPath("org/model", "main", "/c")).toThrow(UsageError);
  });
});

describe("resolveCachedSnapshot", () => {
  const cache = cacheWithSnapshot();
  const snapshot = join(cache, "models--org--model", "snapshots", COMMIT);

  test("resolves branch names (also nested ones) through refs/, and commits directly", () => {
    expect(resolveCachedSnapshot("org/model", "main", cache)).toBe(snapshot);
    expect(resolveCachedSnapshot("org/model", undefined, cache)).toBe(snapshot);
    expect(resolveCachedSnapshot("org/model", "release/v2", cache)).toBe(snapshot);
    expect(resolveCachedSnapshot("org/model", COMMIT, cache)).toBe(snapshot);
  });

  test("is null for what is not cached", () => {
    expect(resolveCachedSnapshot("org/other", "main", cache)).toBeNull();
    expect(resolveCachedSnapshot("org/model", "dev", cache)).toBeNull();
    expect(resolveCachedSnapshot("org/model", "stale", cache)).toBeNull(); // ref to a snapshot that is gone
    expect(resolveCachedSnapshot("org/model", "garbage", cache)).toBeNull();
    expect(resolveCachedSnapshot("org/model", OTHER_COMMIT, cache)).toBeNull();
  });

  test("refuses ids and revisions that would leave the cache", () => {
    expect(() => resolveCachedSnapshot("org/model", "../../../etc", cache)).toThrow(UsageError);
    expect(() => resolveCachedSnapshot("org/model", "/etc/passwd", cache)).toThrow(UsageError);
    expect(() => resolveCachedSnapshot("../org", "main", cache)).toThrow(UsageError);
    expect(() => resolveCachedSnapshot("org/..", "main", cache)).toThrow(UsageError);
  });
});

describe("resolveModelReference", () => {
  const cache = cacheWithSnapshot();
  const modelDir = mkdtempSync(join(tmpdir(), "mlx-asr-model-"));

  test("an existing directory, absolute, relative or under ~", () => {
    expect(resolveModelReference(modelDir, cache)).toEqual({ kind: "dir", path: modelDir });
    expect(resolveModelReference(relative(process.cwd(), modelDir), cache)).toEqual({ kind: "dir", path: modelDir });
    expect(resolveModelReference("~", cache)).toEqual({ kind: "dir", path: homedir() });
  });

  test("a hub id, cached or not, with or without @revision", () => {
    expect(resolveModelReference("org/model", cache)).toEqual({
      kind: "hub",
      repoId: "org/model",
      revision: "main",
      snapshot: join(cache, "models--org--model", "snapshots", COMMIT),
    });
    expect(resolveModelReference("org/model@release/v2", cache)).toMatchObject({ revision: "release/v2", snapshot: expect.stringContaining(COMMIT) });
    expect(resolveModelReference("org/model@dev", cache)).toEqual({ kind: "hub", repoId: "org/model", revision: "dev", snapshot: null });
    expect(resolveModelReference("mlx-community/Qwen3-4B.v2_x", cache)).toEqual({ kind: "hub", repoId: "mlx-community/Qwen3-4B.v2_x", revision: "main", snapshot: null });
  });

  test("a file is not a model", () => {
    const file = join(modelDir, "config.json");
    writeFileSync(file, "{}");
    expect(() => resolveModelReference(file, cache)).toThrow(/is a file/);
  });

  const REFUSED = [
    "",
    "no-such-dir-mlx-asr",
    "/no/such/dir/mlx-asr",
    "~/no-such-dir-mlx-asr/x",
    "a/b/c",
    "org/na me",
    "org--x/model",
    "org/-model",
    "org/model.",
    "org/model@",
    "org/model@../../../etc",
    "org/model@/etc",
    "org/model@a//b",
    "no-such-org-mlx-asr/../../no-such-dir-mlx-asr",
    "org/..model",
    "org\\model",
  ];

  test.each(REFUSED)("%p is refused with MODEL_NOT_FOUND and the download hint", (ref) => {
    let error: unknown;
    try {
      resolveModelReference(ref, cache);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ModelNotFoundError);
    expect((error as ModelNotFoundError).code).toBe("MODEL_NOT_FOUND");
    expect((error as ModelNotFoundError).message).toContain(ref || '""');
    expect((error as ModelNotFoundError).message).toContain("bun run mlx-asr download");
  });

  test("parseHubId accepts only org/name[@revision]", () => {
    expect(parseHubId("org/model@v1.0")).toEqual({ repoId: "org/model", revision: "v1.0" });
    expect(parseHubId(`org/model@${COMMIT}`)).toEqual({ repoId: "org/model", revision: COMMIT });
    for (const ref of ["org", "../org/model", "org/model@..", "org/./model", "./org/model", "org/model@x@y"]) expect(parseHubId(ref)).toBeNull();
  });
});
