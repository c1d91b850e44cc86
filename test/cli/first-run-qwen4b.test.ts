/**
 * `transcribe` with FunASR-Qwen4B's weights nowhere on the machine, against local
 * imitations of the hub: on a terminal it asks once (what, how big, where) and on
 * "y" downloads the adaptor, SenseVoiceSmall's model.pt (the adaptor's repository
 * holding no encoder here) and Qwen3-4B, converts model.pt and transcribes; "n"
 * ends with the download command. A download killed halfway resumes from its
 * partial file.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXIT_STATUS } from "../../src/errors";
import { SPEECH_ZH } from "../helpers/audio";
import { ROOT, runCliAsync } from "../helpers/cli";
import { startFakeHub, type FakeHub } from "../hub/fake-hub";
import { QWEN4B_REPOS, qwen4bRepos } from "../hub/fake-releases";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

const work = mkdtempSync(join(tmpdir(), "mlx-asr-first-qwen4b-"));
let noEncoderHub: FakeHub;
let hub: FakeHub;

function env(name: string, endpoint: string): Record<string, string | undefined> {
  return {
    HF_ENDPOINT: endpoint,
    HF_HUB_CACHE: join(work, name, "hf"),
    MLX_ASR_CACHE: join(work, name, "mlx-asr"),
    MLX_ASR_MODELS: join(work, name, "models"),
    HF_TOKEN: undefined,
    MLX_ASR_ASSUME_YES: undefined,
  };
}

/** The command line on a pseudo-terminal (util-linux `script`), answering `answer` once it asks. */
async function onTerminal(args: string[], environment: Record<string, string | undefined>, answer: string): Promise<{ status: number; output: string }> {
  const command = ["bun", join(ROOT, "src/cli/main.ts"), ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  const child = Bun.spawn(["script", "-qfec", command, "/dev/null"], { cwd: ROOT, env: { ...process.env, ...environment }, stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  let output = "";
  let answered = false;
  const decoder = new TextDecoder();
  for await (const chunk of child.stdout) {
    output += decoder.decode(chunk);
    if (!answered && output.includes("Download now? [y/N]")) {
      child.stdin.write(`${answer}\n`);
      child.stdin.flush();
      answered = true;
    }
  }
  child.stdin.end();
  return { status: await child.exited, output: output.replace(/\r/g, "") };
}

beforeAll(async () => {
  noEncoderHub = startFakeHub(await qwen4bRepos({ encoderInAdaptorRepo: false }));
  hub = startFakeHub(await qwen4bRepos({ encoderInAdaptorRepo: true }));
}, 120_000);

afterAll(() => {
  noEncoderHub.stop();
  hub.stop();
  rmSync(work, { recursive: true, force: true });
});

const hasScript = Bun.which("script") !== null;

test.skipIf(!hasScript)("on a terminal: asks once, saying what, how big and where; \"n\" ends with the download command", async () => {
  const r = await onTerminal(["transcribe", "--model", "funasr-qwen4b:4bit", SPEECH_ZH], env("refused", noEncoderHub.url), "n");
  expect(r.status).toBe(EXIT_STATUS.model_not_found);
  expect(r.output).toContain("funasr-qwen4b:4bit needs:");
  for (const repo of [QWEN4B_REPOS.adaptor, QWEN4B_REPOS.senseVoice, QWEN4B_REPOS.qwen4bit]) expect(r.output).toContain(repo);
  expect(r.output).not.toContain(QWEN4B_REPOS.qwen8bit);
  expect(r.output).toContain(`to download into ${join(work, "refused", "hf")}`);
  expect(r.output.match(/Download now\?/g)).toHaveLength(1);
  expect(r.output).toContain("download it with: bun run mlx-asr download funasr-qwen4b:4bit");
  expect(existsSync(join(work, "refused", "hf"))).toBe(false);
}, 120_000);

test.skipIf(!hasScript)("on a terminal: \"y\" downloads, converts SenseVoiceSmall's model.pt and transcribes", async () => {
  const r = await onTerminal(["transcribe", "--model", "funasr-qwen4b:4bit", SPEECH_ZH], env("accepted", noEncoderHub.url), "y");
  expect(r.output).not.toContain("error");
  expect(r.status).toBe(0);
  expect(readdirSync(join(work, "accepted", "mlx-asr", "converted"))).toHaveLength(1);
  expect(r.output.trim().split("\n").at(-1)!.length).toBeGreaterThan(0);
}, 300_000);

test("a download killed halfway resumes from its partial file", async () => {
  const environment = env("resumed", hub.url);
  hub.faults.stall.add("model.safetensors");
  const child = Bun.spawn(["bun", join(ROOT, "src/cli/main.ts"), "download", "funasr-qwen4b:8bit"], { cwd: ROOT, env: { ...process.env, ...environment }, stdout: "pipe", stderr: "pipe" });
  const blobs = join(work, "resumed", "hf", "models--mlx-community--Qwen3-4B-8bit", "blobs");
  const partial = () => (existsSync(blobs) ? readdirSync(blobs).filter((f) => f.endsWith(".incomplete")) : []);
  for (let waited = 0; waited < 120_000 && !partial().some((f) => statSync(join(blobs, f)).size > 0); waited += 200) await Bun.sleep(200);
  child.kill();
  await child.exited;
  const [incomplete] = partial();
  expect(incomplete).toBeDefined();
  const kept = statSync(join(blobs, incomplete!)).size;
  expect(kept).toBeGreaterThan(0);

  hub.faults.stall.clear();
  hub.reset();
  const r = await runCliAsync(["download", "funasr-qwen4b:8bit"], environment);
  expect(r.stderr).not.toContain("error");
  expect(r.status).toBe(0);
  expect(r.stdout.trim()).toBe(join(work, "resumed", "mlx-asr", "models", "funasr-qwen4b-8bit"));
  const resumed = hub.fileRequests("model.safetensors");
  expect(resumed.length).toBeGreaterThan(0);
  expect(resumed.every((q) => q.range === `bytes=${kept}-`)).toBe(true);
  expect(partial()).toEqual([]);
}, 300_000);
