/**
 * The repository listing as huggingface_hub's snapshot_download reads it: the
 * commit pinned by the revision endpoint, then every file of the tree at that
 * commit (followed across `Link` pages, folders skipped), with the sizes and blob
 * ids the downloader verifies; and choosing files by pattern.
 */
import { afterAll, expect, test } from "bun:test";
import { listRepository } from "../../src/hub/listing";
import { MODEL_FILE_PATTERNS, selectFiles } from "../../src/hub/patterns";
import { blobName, MAIN_COMMIT, startFakeHub, tinyRepo, V1_COMMIT } from "./fake-hub";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

const REPO = tinyRepo();
const hub = startFakeHub([REPO], { treePageSize: 2 });
afterAll(() => hub.stop());

test("lists every file across pages, at the commit the revision names", async () => {
  const listing = await listRepository(REPO.id, "v1", { endpoint: hub.url, retryDelaysMs: [] });
  expect(listing.commit).toBe(V1_COMMIT);
  expect(listing.files.map((f) => f.path).sort()).toEqual(REPO.files.map((f) => f.path).sort());
  for (const f of REPO.files) {
    const listed = listing.files.find((l) => l.path === f.path)!;
    expect(listed).toEqual({ path: f.path, size: f.bytes.length, hash: blobName(f), algorithm: f.lfs ? "sha256" : "git-sha1" });
  }
  const treePages = hub.requests.filter((r) => r.path.includes("/tree/"));
  // 6 files + 2 folders at 2 entries a page.
  expect(treePages).toHaveLength(4);
  expect(treePages.every((r) => r.path.endsWith(V1_COMMIT))).toBe(true);
});

test("main resolves to its commit", async () => {
  expect((await listRepository(REPO.id, "main", { endpoint: hub.url, retryDelaysMs: [] })).commit).toBe(MAIN_COMMIT);
});

test("patterns: fnmatch over the whole path, and a|b takes the first alternative that matches", () => {
  const files = ["a/model.pt", "a/model.safetensors", "b/x.json", "adaptor_phase2_final.safetensors", "adaptor_phase3_final.safetensors"].map((path) => ({ path }));
  const paths = (patterns: string[]) => selectFiles(files, patterns).map((f) => f.path);
  expect(paths(["*.json"])).toEqual(["b/x.json"]);
  expect(paths(["a/"])).toEqual(["a/model.pt", "a/model.safetensors"]);
  expect(paths(["a/*.safetensors|a/*.pt"])).toEqual(["a/model.safetensors"]);
  expect(paths(["c/*.safetensors|a/*.pt"])).toEqual(["a/model.pt"]);
  expect(paths(["adaptor_phase3_final.safetensors|adaptor_phase2_final.safetensors|adaptor*.safetensors"])).toEqual(["adaptor_phase3_final.safetensors"]);
  expect(paths(["nothing|matches"])).toEqual([]);
  // The default weights pattern: safetensors when there are any, else the PyTorch checkpoint.
  expect(paths(MODEL_FILE_PATTERNS.filter((p) => p.includes("|")))).toEqual(["a/model.safetensors", "adaptor_phase2_final.safetensors", "adaptor_phase3_final.safetensors"]);
  expect(selectFiles([{ path: "model.pt" }, { path: "config.yaml" }], MODEL_FILE_PATTERNS).map((f) => f.path)).toEqual(["model.pt", "config.yaml"]);
});
