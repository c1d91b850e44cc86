/**
 * A hub id as --model: the first transcribe fetches the model (with --yes; on a
 * terminal it asks) from a local server imitating the hub, into the HF cache
 * layout, then transcribes exactly as from the folder.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { SPEECH_ZH } from "../helpers/audio";
import { runCli, runCliAsync } from "../helpers/cli";
import { tinyModel } from "../helpers/tiny-model";
import { MAIN_COMMIT, startFakeHub, type FakeHub, type FakeRepoFile } from "../hub/fake-hub";
import { allowSlowTests, SLOW_TEST_MS } from "../helpers/timeout";

allowSlowTests();

let hub: FakeHub;
let model: string;
const cache = mkdtempSync(join(tmpdir(), "mlx-asr-hubmodel-"));

function filesOf(dir: string): FakeRepoFile[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => {
      const path = relative(dir, join(e.parentPath, e.name));
      const bytes = new Uint8Array(readFileSync(join(dir, path)));
      return { path, bytes, lfs: statSync(join(dir, path)).size > 100_000 };
    });
}

beforeAll(async () => {
  model = await tinyModel("funasr-qwen4b");
  hub = startFakeHub([{ id: "test-org/tiny-funasr-qwen4b", refs: { main: MAIN_COMMIT }, files: filesOf(model) }]);
}, SLOW_TEST_MS);

afterAll(() => hub.stop());

test("transcribe --model org/name --yes downloads into the HF cache, then transcribes like the folder", async () => {
  const env = { HF_ENDPOINT: hub.url, HF_HUB_CACHE: cache, HF_TOKEN: undefined };
  const r = await runCliAsync(["transcribe", "--model", "test-org/tiny-funasr-qwen4b", "--yes", SPEECH_ZH], env);
  expect(r.stderr).not.toContain("error");
  expect(r.status).toBe(0);
  const snapshot = join(cache, "models--test-org--tiny-funasr-qwen4b", "snapshots", MAIN_COMMIT);
  expect(readdirSync(snapshot).sort()).toEqual(["adaptor", "decoder", "encoder", "family.json", "frontend"]);
  expect(r.stdout).toBe(runCli(["transcribe", "--model", model, SPEECH_ZH]).stdout);
  // Cached now: a second run needs no server.
  const again = runCli(["transcribe", "--model", "test-org/tiny-funasr-qwen4b", SPEECH_ZH], { HF_ENDPOINT: "http://127.0.0.1:9", HF_HUB_CACHE: cache });
  expect(again.stdout).toBe(r.stdout);
}, SLOW_TEST_MS);
