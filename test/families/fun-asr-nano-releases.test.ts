/**
 * Fun-ASR-Nano as it is published: mlx-audio's conversion (mlx-community), FunASR's
 * model.pt and the -vllm safetensors hold the same tiny weights here, so they must
 * give the same transcript; transformers' -hf port is refused in one line.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isAsrError, ModelFileError } from "../../src/errors";
import { locateModelFiles } from "../../src/pipeline/model-files";
import { Transcriber } from "../../src/pipeline/transcriber";
import { SPEECH_ZH } from "../helpers/audio";
import { NANO_REPOS, nanoRepos, writeRepoFolder } from "../hub/fake-releases";
import type { FakeRepo } from "../hub/fake-hub";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

const work = mkdtempSync(join(tmpdir(), "mlx-asr-nano-releases-"));
const savedCache = process.env.MLX_ASR_CACHE;
let repos: FakeRepo[];
const folder = (id: string) => writeRepoFolder(repos.find((r) => r.id === id)!, join(work, id.replace("/", "--")));

beforeAll(async () => {
  process.env.MLX_ASR_CACHE = join(work, "mlx-asr-cache");
  repos = await nanoRepos();
}, 120_000);

afterAll(() => {
  if (savedCache === undefined) delete process.env.MLX_ASR_CACHE;
  else process.env.MLX_ASR_CACHE = savedCache;
  rmSync(work, { recursive: true, force: true });
});

test("mlx-community, model.pt and -vllm layouts give the same transcript from the same weights", async () => {
  const results = [];
  for (const id of [NANO_REPOS.mlxBf16, NANO_REPOS.original, NANO_REPOS.vllm]) {
    const dir = folder(id);
    const files = locateModelFiles(dir);
    expect(files.family.name).toBe("fun-asr-nano");
    expect(files.decoder!.prefix).toBe("llm.");
    expect(files.tokenizerDir).toBe(join(dir, "Qwen3-0.6B"));
    const transcriber = await Transcriber.load(dir);
    results.push(await transcriber.transcribe(SPEECH_ZH));
  }
  const tokens = results.map((r) => r.segments.flatMap((s) => s.tokens ?? []));
  expect(tokens[0]!.length).toBeGreaterThan(0);
  expect(tokens[1]).toEqual(tokens[0]!);
  expect(tokens[2]).toEqual(tokens[0]!);
  expect(results[1]!.text).toBe(results[0]!.text);
  expect(results[2]!.text).toBe(results[0]!.text);
});

test("model.pt is converted once into mlx-asr's cache, its state dict unwrapped", () => {
  const converted = join(process.env.MLX_ASR_CACHE!, "converted");
  const before = readdirSync(converted);
  const copies = before.filter((name) => name.endsWith(".safetensors"));
  expect(copies).toHaveLength(1);
  expect(copies[0]).toEndWith(".state_dict.safetensors");
  expect(before.filter((name) => name.endsWith(".source.json"))).toHaveLength(1);
  const files = locateModelFiles(folder(NANO_REPOS.original));
  expect(files.encoder!.files).toEqual([join(converted, copies[0]!)]);
  expect(readdirSync(converted)).toEqual(before);
});

test("mlx-audio's config: the LLM's config is text_config, with the top-level quantization", () => {
  const dir = folder(NANO_REPOS.mlx8bit);
  const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
  writeFileSync(join(dir, "config.json"), JSON.stringify({ ...config, quantization: { group_size: 64, bits: 8, mode: "affine" } }));
  const decoder = locateModelFiles(dir).decoder!;
  expect(decoder.configFile).toBeNull();
  expect(decoder.config).toMatchObject({ hidden_size: config.text_config.hidden_size, quantization: { group_size: 64, bits: 8 } });
});

test("transformers' -hf port is refused in one line saying why", () => {
  const dir = join(work, "Fun-ASR-Nano-2512-hf");
  mkdirSync(dir);
  writeFileSync(join(dir, "config.json"), JSON.stringify({ model_type: "fun_asr_nano", architectures: ["FunAsrNanoForConditionalGeneration"], audio_config: {}, text_config: {} }));
  let error: unknown;
  try {
    locateModelFiles(dir);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ModelFileError);
  expect(isAsrError(error) && error.code).toBe("LAYOUT_UNSUPPORTED");
  expect((error as ModelFileError).oneLine()).not.toContain("\n");
  expect((error as ModelFileError).message).toContain("fake_token_len");
  expect(existsSync(join(dir, "model.safetensors"))).toBe(false);
});
