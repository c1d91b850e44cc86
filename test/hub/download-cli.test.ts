/**
 * `mlx-asr download` end to end in a child process against the local imitation
 * of the hub, and the resolver's answer for a hub model id that is not cached.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveModelFolder } from "../../src/pipeline/resolve-model";
import { EXIT_STATUS, ModelNotFoundError } from "../../src/errors";
import { runCliAsync, type CliResult } from "../helpers/cli";
import { MAIN_COMMIT, MODEL_FILE, startFakeHub, tinyRepo, V1_COMMIT } from "./fake-hub";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

const REPO = tinyRepo();
const PRIVATE = tinyRepo("test-org/private-asr", "hf_secret");
const hub = startFakeHub([REPO, PRIVATE]);
const work = mkdtempSync(join(tmpdir(), "mlx-asr-dl-cli-"));

afterAll(() => hub.stop());

/** The download command in a child process; the fake hub answering it runs in this one. */
function runDownload(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const noHubSettings = Object.fromEntries(Object.keys(process.env).filter((name) => name.startsWith("HF_")).map((name) => [name, undefined]));
  return runCliAsync(["download", ...args], { ...noHubSettings, HF_ENDPOINT: hub.url, ...env });
}

function freshCache(): string {
  return mkdtempSync(join(work, "cache-"));
}

describe("mlx-asr download", () => {
  test("downloads the model files and prints the snapshot path", async () => {
    const cache = freshCache();
    const r = await runDownload([REPO.id], { HF_HUB_CACHE: cache });
    expect(r.status).toBe(0);
    const snapshot = join(cache, "models--test-org--tiny-asr", "snapshots", MAIN_COMMIT);
    expect(r.stdout).toBe(`${snapshot}\n`);
    expect(r.stderr).toContain("100%");
    expect(readdirSync(snapshot).sort()).toEqual(["config.json", "encoder", "frontend", MODEL_FILE]);
    expect(readFileSync(join(snapshot, MODEL_FILE)).length).toBe(REPO.files.find((f) => f.path === MODEL_FILE)!.bytes.length);
  });

  test("@revision and --include", async () => {
    const cache = freshCache();
    const r = await runDownload([`${REPO.id}@v1`, "--include", "*.json", "--include", "frontend/*"], { HF_HUB_CACHE: cache });
    expect(r.status).toBe(0);
    const snapshot = r.stdout.trim();
    expect(snapshot).toEndWith(V1_COMMIT);
    expect(readdirSync(snapshot).sort()).toEqual(["config.json", "encoder", "frontend"]);
    expect(existsSync(join(snapshot, "frontend", "am.mvn"))).toBe(true);
    expect(existsSync(join(snapshot, MODEL_FILE))).toBe(false);
  });

  test("a private model: exit status and HF_TOKEN advice without a token, success with HF_TOKEN", async () => {
    const cache = freshCache();
    const refused = await runDownload([PRIVATE.id], { HF_HUB_CACHE: cache });
    expect(refused.status).toBe(EXIT_STATUS.download);
    expect(refused.stdout).toBe("");
    expect(refused.stderr.trim().split("\n")).toHaveLength(1);
    expect(refused.stderr).toContain("DOWNLOAD_UNAUTHORIZED");
    expect(refused.stderr).toContain("HF_TOKEN");

    const allowed = await runDownload([PRIVATE.id], { HF_HUB_CACHE: cache, HF_TOKEN: "hf_secret" });
    expect(allowed.status).toBe(0);
    expect(allowed.stdout.trim()).toBe(join(cache, "models--test-org--private-asr", "snapshots", MAIN_COMMIT));
  });

  test("an unknown model exits with the model-not-found status", async () => {
    const r = await runDownload(["test-org/absent"], { HF_HUB_CACHE: freshCache() });
    expect(r.status).toBe(EXIT_STATUS.model_not_found);
    expect(r.stderr).toContain("error[MODEL_NOT_FOUND]: test-org/absent");
  });

  test.each([
    [["../escape"], /is neither a model family .* nor a Hugging Face model id/],
    [[], /give a family or a model id/],
    [[REPO.id, "extra"], /unexpected argument "extra"/],
    [[`${REPO.id}@v1`, "--revision", "main"], /conflicts with "@v1"/],
    [[REPO.id, "--bogus"], /bogus/],
  ])("usage error %p", async (args, message) => {
    const cache = freshCache();
    const r = await runDownload(args, { HF_HUB_CACHE: cache });
    expect(r.status).toBe(EXIT_STATUS.usage);
    expect(r.stderr).toMatch(message);
    expect(readdirSync(cache)).toEqual([]);
  });
});

describe("a hub id as a model", () => {
  test("not cached and no download allowed: MODEL_NOT_FOUND with the download command; once downloaded, the cached snapshot", async () => {
    const cache = freshCache();
    const saved = process.env.HF_HUB_CACHE;
    process.env.HF_HUB_CACHE = cache;
    try {
      let error: unknown;
      try {
        await resolveModelFolder(`${REPO.id}@v1`);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ModelNotFoundError);
      expect((error as ModelNotFoundError).message).toContain(`bun run mlx-asr download ${REPO.id}@v1`);
      expect((error as ModelNotFoundError).message).toContain(join(cache, "models--test-org--tiny-asr"));

      const r = await runDownload([REPO.id, "--include", "*.json"], { HF_HUB_CACHE: cache });
      expect(r.status).toBe(0);
      expect(await resolveModelFolder(REPO.id)).toBe(r.stdout.trim());
    } finally {
      if (saved === undefined) delete process.env.HF_HUB_CACHE;
      else process.env.HF_HUB_CACHE = saved;
    }
  });
});
