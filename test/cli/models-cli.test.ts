/**
 * `mlx-asr models` and `mlx-asr download <family>` against the fake hub: sizes
 * from the repositories' listings (estimates when the hub is unreachable or a
 * repository missing), what is cached, the default variant, a table or JSON.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Catalog, VariantEntry } from "../../src/cli/models/catalog";
import { runCliAsync } from "../helpers/cli";
import { startFakeHub, type FakeHub } from "../hub/fake-hub";
import { NANO_REPOS, nanoRepos, qwen4bRepos } from "../hub/fake-releases";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

const work = mkdtempSync(join(tmpdir(), "mlx-asr-models-"));
let hub: FakeHub;
let vllmBytes = 0;

function env(endpoint = hub.url): Record<string, string | undefined> {
  return { HF_ENDPOINT: endpoint, HF_HUB_CACHE: join(work, "hf"), MLX_ASR_CACHE: join(work, "mlx-asr"), MLX_ASR_MODELS: join(work, "models"), HF_TOKEN: undefined, HF_HUB_OFFLINE: undefined };
}

async function catalog(args: string[] = [], endpoint?: string): Promise<Catalog> {
  const r = await runCliAsync(["models", "--json", ...args], env(endpoint));
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as Catalog;
}

function variant(c: Catalog, family: string, name: string): VariantEntry {
  return c.families.find((f) => f.name === family)!.variants.find((v) => v.variant === name)!;
}

beforeAll(async () => {
  const nano = await nanoRepos();
  const vllm = nano.find((r) => r.id === NANO_REPOS.vllm)!;
  // Every model file (configs, weights, tokenizer), not the README, .gitattributes or the example audio.
  vllmBytes = vllm.files.filter((f) => !/^(README\.md|\.gitattributes|example\/.*)$/.test(f.path)).reduce((sum, f) => sum + f.bytes.length, 0);
  hub = startFakeHub([...nano, ...(await qwen4bRepos({ encoderInAdaptorRepo: true }))]);
}, 120_000);

afterAll(() => {
  hub.stop();
  rmSync(work, { recursive: true, force: true });
});

test("sizes from the listings; a repository the hub lacks is estimated and says why", async () => {
  const c = await catalog();
  const vllm = variant(c, "fun-asr-nano", "vllm");
  expect(vllm).toMatchObject({ sizeFrom: "listing", downloadBytes: vllmBytes, cached: "no", reference: "fun-asr-nano:vllm" });
  expect(vllm.repositories).toEqual([{ repo: NANO_REPOS.vllm, parts: ["encoder", "adaptor", "decoder", "tokenizer"] }]);
  const fourBit = variant(c, "fun-asr-nano", "4bit");
  expect(fourBit.sizeFrom).toBe("estimate");
  expect(fourBit.listingError).toContain("MODEL_NOT_FOUND");
  expect(variant(c, "fun-asr-nano", "8bit").isDefault).toBe(true);
  const qwen = c.families.find((f) => f.name === "funasr-qwen4b")!;
  expect(qwen.variants.filter((v) => v.isDefault)).toHaveLength(1);
  // The adaptor's repository holds SenseVoice here, so SenseVoiceSmall is not part of the plan.
  expect(variant(c, "funasr-qwen4b", "4bit").repositories.map((r) => r.repo)).toEqual(["yuechen/funasr-qwen4b-mlx", "mlx-community/Qwen3-4B-4bit"]);
  for (const f of c.families) for (const v of f.variants) expect(v.memoryBytes).toBeGreaterThan(0);
}, 120_000);

test("download <family>:<variant> prints the model folder; models then shows it cached", async () => {
  const r = await runCliAsync(["download", "fun-asr-nano:vllm"], env());
  expect(r.status).toBe(0);
  const folder = join(work, "mlx-asr", "models", "fun-asr-nano-vllm");
  expect(r.stdout).toBe(`${folder}\n`);
  expect(readdirSync(folder).sort()).toEqual(["Qwen3-0.6B", "config.yaml", "configuration.json", "model.safetensors", "sources.json"]);
  const c = await catalog();
  expect(variant(c, "fun-asr-nano", "vllm")).toMatchObject({ cached: "yes", folder });
  expect(variant(c, "fun-asr-nano", "original").cached).toBe("no");
}, 120_000);

test("--offline or an unreachable hub: estimates from the parameter counts, no error", async () => {
  for (const c of [await catalog(["--offline"]), await catalog([], "http://127.0.0.1:9")]) {
    const all = c.families.flatMap((f) => f.variants);
    expect(all.every((v) => v.sizeFrom === "estimate" && v.downloadBytes > 0 && v.listingError === undefined)).toBe(true);
    // Without a listing, SenseVoiceSmall is shown as the encoder's fallback.
    expect(variant(c, "funasr-qwen4b", "8bit").repositories.find((r) => r.repo === "FunAudioLLM/SenseVoiceSmall")?.fallback).toBe(true);
  }
}, 120_000);

test("the table: one row per variant, the default starred", async () => {
  const r = await runCliAsync(["models", "--offline"], env());
  expect(r.status).toBe(0);
  const lines = r.stdout.split("\n");
  expect(lines[0]).toMatch(/^family\s+variant\s+download\s+cached\s+memory\s+fits\s+repositories/);
  expect(lines.some((l) => /^fun-asr-nano\s+8bit \*/.test(l))).toBe(true);
  expect(r.stdout).toContain("estimated from parameter counts");
}, 120_000);
