/**
 * `transcribe` with Fun-ASR-Nano's weights nowhere on the machine, against a local
 * imitation of the hub serving its real repositories' layouts: without --yes and
 * without a terminal it stops with the command to run; with --yes (or
 * MLX_ASR_ASSUME_YES=1) it downloads only what the family needs, converts model.pt
 * once, and transcribes; a second run needs no network.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXIT_STATUS } from "../../src/errors";
import { SPEECH_ZH } from "../helpers/audio";
import { runCliAsync } from "../helpers/cli";
import { startFakeHub, type FakeHub } from "../hub/fake-hub";
import { MLX_COMMUNITY_NANO_FILES, NANO_REPOS, nanoRepos } from "../hub/fake-releases";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

const work = mkdtempSync(join(tmpdir(), "mlx-asr-first-nano-"));
const hfCache = join(work, "hf");
const mlxCache = join(work, "mlx-asr");
let hub: FakeHub;
let transcript = "";

/** A machine with nothing downloaded: the caches and ./models point into the test's folder. */
function env(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return { HF_ENDPOINT: hub.url, HF_HUB_CACHE: hfCache, MLX_ASR_CACHE: mlxCache, MLX_ASR_MODELS: join(work, "models"), HF_TOKEN: undefined, MLX_ASR_ASSUME_YES: undefined, ...extra };
}

beforeAll(async () => {
  hub = startFakeHub(await nanoRepos());
}, 120_000);

afterAll(() => {
  hub.stop();
  rmSync(work, { recursive: true, force: true });
});

test("no terminal and no --yes: one line with the download command, exit 6, nothing fetched", async () => {
  const r = await runCliAsync(["transcribe", "--model", "fun-asr-nano", SPEECH_ZH], env());
  expect(r.status).toBe(EXIT_STATUS.model_not_found);
  expect(r.stdout).toBe("");
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).toContain("download it with: bun run mlx-asr download fun-asr-nano");
  expect(hub.requests).toEqual([]);
  expect(existsSync(hfCache)).toBe(false);
}, 120_000);

test("--yes: the default variant's files (not its README or examples), then the transcript", async () => {
  const r = await runCliAsync(["transcribe", "--model", "fun-asr-nano", "--yes", SPEECH_ZH], env());
  expect(r.stderr).not.toContain("error");
  expect(r.status).toBe(0);
  expect(r.stderr).toContain(`downloading fun-asr-nano:8bit needs:`);
  expect(r.stderr).toContain(NANO_REPOS.mlx8bit);
  transcript = r.stdout;
  expect(transcript.trim().length).toBeGreaterThan(0);
  const fetched = new Set(hub.requests.filter((q) => !q.path.startsWith("/api/")).map((q) => q.path));
  expect([...fetched].sort()).toEqual(MLX_COMMUNITY_NANO_FILES);
  expect(readdirSync(join(mlxCache, "models"))).toEqual(["fun-asr-nano-8bit"]);
}, 300_000);

test("a second run downloads nothing and needs no network", async () => {
  hub.reset();
  const r = await runCliAsync(["transcribe", "--model", "fun-asr-nano", SPEECH_ZH], env({ HF_ENDPOINT: "http://127.0.0.1:9" }));
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  expect(r.stdout).toBe(transcript);
  expect(hub.requests).toEqual([]);
}, 300_000);

test("MLX_ASR_ASSUME_YES=1, FunASR's own release: model.pt downloaded, converted once, the same transcript", async () => {
  hub.reset();
  const r = await runCliAsync(["transcribe", "--model", "fun-asr-nano:original", SPEECH_ZH], env({ MLX_ASR_ASSUME_YES: "1" }));
  expect(r.stderr).not.toContain("error");
  expect(r.status).toBe(0);
  expect(hub.fileRequests("model.pt").filter((q) => q.origin === "cdn")).toHaveLength(1);
  expect(readdirSync(join(mlxCache, "converted"))).toHaveLength(1);
  expect(r.stdout).toBe(transcript);
}, 300_000);
