/**
 * Choosing what a family's first run downloads, from the repositories' listings:
 * each part from the first source that holds it (SenseVoiceSmall only when the
 * adaptor's repository has no encoder), only the files the parts need, the variant
 * for the machine's memory or the one named; then the model folder linked
 * together from the snapshots.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readlinkSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AsrError, ModelNotFoundError, UsageError } from "../../src/errors";
import { familyByName } from "../../src/families/registry";
import { MODEL_FILE_PATTERNS } from "../../src/hub/patterns";
import { findAssembledModel, readAssembledModel } from "../../src/pipeline/assembled-model";
import { filePatternsOfRepo, planFamilyDownload, runDownloadPlan, type DownloadPlan } from "../../src/pipeline/download-plan";
import { defaultVariant, parseFamilyReference } from "../../src/pipeline/family-variants";
import { locateModelFiles } from "../../src/pipeline/model-files";
import { resolveModel } from "../../src/pipeline/resolve-model";
import { startFakeHub, type FakeHub, type FakeRepo } from "../hub/fake-hub";
import { MLX_COMMUNITY_NANO_FILES, NANO_REPOS, nanoRepos, QWEN4B_REPOS, qwen4bRepos } from "../hub/fake-releases";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

const GiB = 2 ** 30;
const QWEN4B = familyByName("funasr-qwen4b");
const NANO = familyByName("fun-asr-nano");
const work = mkdtempSync(join(tmpdir(), "mlx-asr-plan-"));
const savedCache = process.env.MLX_ASR_CACHE;
let withEncoder: FakeHub;
let withoutEncoder: FakeHub;
let nanoHub: FakeHub;
let nano: FakeRepo[];

beforeAll(async () => {
  process.env.MLX_ASR_CACHE = join(work, "mlx-asr");
  withEncoder = startFakeHub(await qwen4bRepos({ encoderInAdaptorRepo: true }));
  withoutEncoder = startFakeHub(await qwen4bRepos({ encoderInAdaptorRepo: false }));
  nano = await nanoRepos();
  nanoHub = startFakeHub(nano);
}, 120_000);

afterAll(() => {
  for (const hub of [withEncoder, withoutEncoder, nanoHub]) hub.stop();
  if (savedCache === undefined) delete process.env.MLX_ASR_CACHE;
  else process.env.MLX_ASR_CACHE = savedCache;
  rmSync(work, { recursive: true, force: true });
});

const hubOptions = (hub: FakeHub, cache: string) => ({ endpoint: hub.url, cacheDir: cache, retryDelaysMs: [] });
const filesOf = (plan: DownloadPlan) => Object.fromEntries(plan.sources.map((s) => [s.repo, s.files.map((f) => f.path).sort()]));
const partsOf = (plan: DownloadPlan) => Object.fromEntries(plan.sources.map((s) => [s.repo, s.parts]));

describe("references and variants", () => {
  test("family, family:variant, an unknown variant, and what is not a family", () => {
    expect(parseFamilyReference("fun-asr-nano")).toEqual({ family: NANO, variant: null });
    expect(parseFamilyReference("fun-asr-nano:4bit")).toEqual({ family: NANO, variant: "4bit" });
    expect(() => parseFamilyReference("fun-asr-nano:3bit")).toThrow(UsageError);
    expect(() => parseFamilyReference("fun-asr-nano:3bit")).toThrow(/variants: 8bit, 4bit, fp16, bf16, original, vllm/);
    expect(parseFamilyReference("mlx-community/Fun-ASR-Nano-2512")).toBeNull();
  });

  test("the default follows the machine's memory: Qwen3-4B at 4 bits up to 16 GB, 8 bits above", () => {
    expect(defaultVariant(QWEN4B, 8 * GiB)).toBe("4bit");
    expect(defaultVariant(QWEN4B, 16 * GiB)).toBe("4bit");
    expect(defaultVariant(QWEN4B, 24 * GiB)).toBe("8bit");
    expect(defaultVariant(NANO, 8 * GiB)).toBe("8bit");
  });

  test("a hub id downloads the files its family's source names, else every model file", () => {
    expect(filePatternsOfRepo(NANO_REPOS.original)).toEqual(["model.pt", "Qwen3-0.6B/*.json", "Qwen3-0.6B/*.txt"]);
    expect(filePatternsOfRepo("someone/else")).toEqual(MODEL_FILE_PATTERNS);
  });
});

describe("FunASR-Qwen4B", () => {
  test("the adaptor's repository holds SenseVoice: two repositories, SenseVoiceSmall not even listed", async () => {
    const plan = await planFamilyDownload(QWEN4B, "4bit", hubOptions(withEncoder, join(work, "hf-a")));
    expect(partsOf(plan)).toEqual({ [QWEN4B_REPOS.adaptor]: ["encoder", "adaptor"], [QWEN4B_REPOS.qwen4bit]: ["decoder", "tokenizer"] });
    expect(filesOf(plan)[QWEN4B_REPOS.adaptor]).toEqual(["adaptor_phase2_final.safetensors", "sensevoice_iic.safetensors"]);
    expect(filesOf(plan)[QWEN4B_REPOS.qwen4bit]).toEqual(["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"]);
    expect(withEncoder.requests.some((r) => r.path.includes(QWEN4B_REPOS.senseVoice))).toBe(false);
    expect(plan.totalBytes).toBe(plan.sources.flatMap((s) => s.files).reduce((sum, f) => sum + f.size, 0));
    expect(plan.missingBytes).toBe(plan.totalBytes);
  });

  test("no encoder there: SenseVoiceSmall's model.pt and am.mvn, nothing else of it", async () => {
    const plan = await planFamilyDownload(QWEN4B, "8bit", hubOptions(withoutEncoder, join(work, "hf-b")));
    expect(partsOf(plan)).toEqual({
      [QWEN4B_REPOS.adaptor]: ["adaptor"],
      [QWEN4B_REPOS.senseVoice]: ["encoder", "frontend"],
      [QWEN4B_REPOS.qwen8bit]: ["decoder", "tokenizer"],
    });
    expect(filesOf(plan)[QWEN4B_REPOS.senseVoice]).toEqual(["am.mvn", "model.pt"]);
    expect(plan.modelFolder).toBe(join(work, "mlx-asr", "models", "funasr-qwen4b-8bit"));
  });

  test("a part no source holds is an error naming it and the repositories", async () => {
    const empty = startFakeHub(Object.values(QWEN4B_REPOS).map((id) => ({ id, refs: { main: "0123456789abcdef0123456789abcdef01234567" }, files: [] })));
    try {
      const error = await planFamilyDownload(QWEN4B, "4bit", hubOptions(empty, join(work, "hf-c"))).catch((e) => e);
      expect(error).toBeInstanceOf(AsrError);
      expect((error as AsrError).code).toBe("DOWNLOAD_NO_MATCHING_FILES");
      expect((error as AsrError).message).toContain("holds its encoder, adaptor, decoder, tokenizer");
      expect((error as AsrError).message).toContain(QWEN4B_REPOS.senseVoice);
    } finally {
      empty.stop();
    }
  });

  test("the download links the snapshots into one folder the OminiX layout reads; a removed blob makes it incomplete", async () => {
    const cache = join(work, "hf-d");
    const plan = await planFamilyDownload(QWEN4B, "4bit", hubOptions(withoutEncoder, cache));
    const folder = await runDownloadPlan(plan, { endpoint: withoutEncoder.url, retryDelaysMs: [] });
    expect(folder).toBe(plan.modelFolder!);
    expect(findAssembledModel(QWEN4B, "4bit")).toBe(folder);
    expect(readlinkSync(join(folder, "sensevoice", "model.pt"))).toStartWith(join(cache, "models--FunAudioLLM--SenseVoiceSmall", "snapshots"));
    const files = locateModelFiles(folder);
    expect(files.family).toBe(QWEN4B);
    expect(files.decoder!.dir).toBe(join(folder, "Qwen3-4B-4bit"));
    expect(files.encoder!.files[0]).toStartWith(join(work, "mlx-asr", "converted"));
    expect((await planFamilyDownload(QWEN4B, "4bit", hubOptions(withoutEncoder, cache))).missingBytes).toBe(0);

    const adaptor = plan.sources[0]!.files[0]!;
    rmSync(join(cache, "models--yuechen--funasr-qwen4b-mlx", "blobs", adaptor.hash));
    expect(readAssembledModel(folder)).toBeNull();
    expect(statSync(folder).isDirectory()).toBe(true);
  });
});

describe("Fun-ASR-Nano", () => {
  test("FunASR's release: model.pt and the Qwen3-0.6B configs and tokenizer, not the examples or README", async () => {
    const plan = await planFamilyDownload(NANO, "original", hubOptions(nanoHub, join(work, "hf-e")));
    expect(filesOf(plan)).toEqual({
      [NANO_REPOS.original]: ["Qwen3-0.6B/config.json", "Qwen3-0.6B/generation_config.json", "Qwen3-0.6B/merges.txt", "Qwen3-0.6B/tokenizer.json", "Qwen3-0.6B/tokenizer_config.json", "model.pt"],
    });
  });

  test("mlx-community: its model files, the tokenizer folder included", async () => {
    const plan = await planFamilyDownload(NANO, "8bit", hubOptions(nanoHub, join(work, "hf-f")));
    expect(partsOf(plan)).toEqual({ [NANO_REPOS.mlx8bit]: ["encoder", "adaptor", "decoder", "tokenizer"] });
    expect(filesOf(plan)[NANO_REPOS.mlx8bit]).toEqual(MLX_COMMUNITY_NANO_FILES);
  });
});

test("the library downloads only when told to, and reports progress per repository", async () => {
  const saved = { HF_ENDPOINT: process.env.HF_ENDPOINT, HF_HUB_CACHE: process.env.HF_HUB_CACHE };
  process.env.HF_ENDPOINT = nanoHub.url;
  process.env.HF_HUB_CACHE = join(work, "hf-library");
  try {
    nanoHub.reset();
    await expect(resolveModel("fun-asr-nano:bf16")).rejects.toThrow(ModelNotFoundError);
    expect(nanoHub.requests).toEqual([]);
    const repos = new Set<string>();
    const files = await resolveModel("fun-asr-nano:bf16", { download: true, onDownloadProgress: (_, repo) => repos.add(repo) });
    expect(files.family).toBe(NANO);
    expect(files.root).toBe(join(work, "mlx-asr", "models", "fun-asr-nano-bf16"));
    expect([...repos]).toEqual([NANO_REPOS.mlxBf16]);
    const declined = await resolveModel("fun-asr-nano:vllm", { download: async (plan) => plan.reference === "fun-asr-nano:vllm" && false }).catch((e) => e);
    expect(declined).toBeInstanceOf(ModelNotFoundError);
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
});

test("a FunASR release without safetensors: its model.pt is the weights (Paraformer-zh)", async () => {
  const text = (t: string) => new TextEncoder().encode(t);
  const files = ["model.pt", "config.yaml", "am.mvn", "tokens.json", "README.md", "example/asr_example.wav"].map((path) => ({ path, bytes: text(path), lfs: false }));
  const hub = startFakeHub([{ id: "funasr/paraformer-zh", refs: { main: "0123456789abcdef0123456789abcdef01234567" }, files }]);
  try {
    const plan = await planFamilyDownload(familyByName("paraformer-zh"), "", hubOptions(hub, join(work, "hf-g")));
    expect(filesOf(plan)).toEqual({ "funasr/paraformer-zh": ["am.mvn", "config.yaml", "model.pt", "tokens.json"] });
  } finally {
    hub.stop();
  }
});
