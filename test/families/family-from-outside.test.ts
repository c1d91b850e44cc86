/**
 * A family defined entirely in the test folder and registered through the public
 * registry API runs through the library, `transcribe`, `inspect` and the server,
 * with no edit to src/.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeTinyModel } from "../../scripts/make-tiny-model";
import { loadSafetensors } from "../../src/engine/safetensors";
import { familyByName, loadFamilyModule, type LlmPromptedRecipe } from "../../src/index";
import { assemblePrompt } from "../../src/pipeline/prompt";
import { Transcriber } from "../../src/pipeline/transcriber";
import { runCli } from "../helpers/cli";
import { SPEECH_ZH } from "../helpers/audio";
import { allowSlowTests } from "../helpers/timeout";
import { startTestServer, ZH_WAV, type TestServer } from "../server/harness";

allowSlowTests();

const MODULE = join(import.meta.dir, "echo-family.ts");
const root = mkdtempSync(join(tmpdir(), "mlx-asr-echo-"));
let dir: string;
let transcriber: Transcriber;
let server: TestServer | undefined;

beforeAll(async () => {
  await loadFamilyModule(MODULE);
  dir = await makeTinyModel(join(root, "echo"), { family: "echo-nano" });
  transcriber = await Transcriber.load(dir);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  rmSync(root, { recursive: true, force: true });
});

test("the library loads it as its own family, with its prompt and stop token", async () => {
  expect(transcriber.family.name).toBe("echo-nano");
  const text = transcriber.model.text!;
  expect([...text.stopIds]).toEqual([151643]);
  const prompt = assemblePrompt(text.tokenizer, (familyByName("echo-nano").recipe as LlmPromptedRecipe).prompts.audio({ task: "transcribe", language: "auto", hotwords: [] }), 2);
  expect(text.tokenizer.decode(prompt.ids.slice(0, prompt.audio!.start), false)).toBe("<|im_start|>user\nRepeat what you hear:");
  const result = await transcriber.transcribe(ZH_WAV);
  expect(result.durationSeconds).toBeCloseTo(3.4808, 3);
  expect(typeof result.text).toBe("string");
  expect(result.language).toBeNull();
  await expect(transcriber.transcribe(SPEECH_ZH, { language: "zh" })).rejects.toThrow(/echo-nano supports: en, auto/);
});

test("transcribe on the command line finds it through MLX_ASR_PLUGINS and prints the library's text", async () => {
  const expected = (await transcriber.transcribe(ZH_WAV)).text;
  const r = runCli(["transcribe", "--model", dir, ZH_WAV], { MLX_ASR_PLUGINS: MODULE });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  expect(r.stdout).toBe(`${expected}\n`);
  const without = runCli(["transcribe", "--model", dir, ZH_WAV], { MLX_ASR_PLUGINS: "" });
  expect(without.status).toBe(5);
  expect(without.stderr).toContain('unknown model family "echo-nano"');
});

test("inspect runs its stages", () => {
  const out = join(root, "adaptor.safetensors");
  const r = runCli(["inspect", "adaptor", "--model", dir, "--audio", ZH_WAV, "--out", out], { MLX_ASR_PLUGINS: MODULE });
  expect(r.stderr).toBe("");
  const t = loadSafetensors(out);
  // 58 LFR frames → ceil(58 / 8) = 8 rows at the tiny decoder's width.
  expect(t.adaptor_out!.shape).toEqual([1, 8, 64]);
});

test("the server's worker loads the same family module and answers", async () => {
  server = await startTestServer(dir);
  expect(server.engine.family.name).toBe("echo-nano");
  const response = await server.client().audio.transcriptions.create({ file: Bun.file(ZH_WAV) as unknown as File, model: "whisper-1" });
  expect(response.text).toBe((await transcriber.transcribe(ZH_WAV)).text);
});
