/**
 * The published repositories of our families, imitated for the fake hub: the real
 * repository ids, file names and layouts (tensor names, wrappers, tied and
 * transposed tensors, configs, tokenizer folders, and the README/example files a
 * download must leave out), filled with the tiny random weights of
 * scripts/make-tiny-model.ts. Every layout of one family holds the same values,
 * so they must give the same transcript.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { SafetensorsFileWriter } from "../../src/engine/safetensors-writer";
import { findWeightFiles } from "../../src/engine/weights";
import { toBfloat16Bytes, writeTorchCheckpoint, type TorchTensorSpec, type TorchWriterDtype } from "../../scripts/synthetic/pytorch-checkpoint";
import { readRawSafetensors, type RawTensor } from "../helpers/safetensors-raw";
import { tinyModel } from "../helpers/tiny-model";
import { MAIN_COMMIT, pseudoRandomBytes, type FakeRepo, type FakeRepoFile } from "./fake-hub";

type Tensors = Map<string, RawTensor>;

const text = (s: string) => new TextEncoder().encode(s);
const json = (value: unknown) => text(`${JSON.stringify(value, null, 2)}\n`);
const LFS_THRESHOLD = 100_000;

function file(path: string, bytes: Uint8Array): FakeRepoFile {
  return { path, bytes: bytes as Uint8Array<ArrayBuffer>, lfs: bytes.length > LFS_THRESHOLD || /\.(safetensors|pt|mp3)$/.test(path) };
}

function repo(id: string, files: FakeRepoFile[]): FakeRepo {
  return { id, refs: { main: MAIN_COMMIT }, files };
}

/** A component folder's tensors, `prefix` taken off their names. */
function tensorsOf(dir: string, prefix = ""): Tensors {
  const out: Tensors = new Map();
  for (const path of findWeightFiles(dir)) {
    for (const [name, t] of readRawSafetensors(path).tensors) out.set(name.startsWith(prefix) ? name.slice(prefix.length) : name, t);
  }
  return out;
}

function withPrefix(tensors: Tensors, prefix: string, rename: (name: string) => string = (n) => n): Tensors {
  return new Map([...tensors].map(([n, t]) => [prefix + rename(n), t]));
}

/** Every float32 tensor as bfloat16 (as FunASR publishes Fun-ASR-Nano). */
function asBfloat16(tensors: Tensors): Tensors {
  return new Map([...tensors].map(([n, t]) => [n, t.dtype === "F32" ? { dtype: "BF16", shape: t.shape, bytes: toBfloat16Bytes(t.bytes) } : t]));
}

function scratchFile(name: string, write: (path: string) => void): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), "mlx-asr-fake-release-"));
  try {
    const path = join(dir, name);
    write(path);
    return new Uint8Array(readFileSync(path));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function safetensorsBytes(tensors: Tensors, metadata: Record<string, string> = { format: "mlx" }): Uint8Array {
  return scratchFile("model.safetensors", (path) => {
    const entries = [...tensors];
    const writer = SafetensorsFileWriter.create(path, entries.map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape })), metadata);
    for (const [, t] of entries) writer.write(t.bytes);
    writer.commit();
  });
}

const TORCH_DTYPES: Record<string, TorchWriterDtype> = { F32: "float32", BF16: "bfloat16", F16: "float16" };

/** A torch.save ZIP checkpoint; `shared` maps a tensor name to the one whose storage it shares (a tied weight). */
function torchBytes(tensors: Tensors, options: { wrapKey?: string; shared?: Record<string, string> } = {}): Uint8Array {
  const specs: TorchTensorSpec[] = [...tensors].map(([name, t]) => {
    const owner = options.shared?.[name];
    return { name, dtype: TORCH_DTYPES[t.dtype]!, shape: t.shape, data: t.bytes, storage: owner ?? name };
  });
  return scratchFile("model.pt", (path) => writeTorchCheckpoint(path, specs, { wrapKey: options.wrapKey }));
}

/** The files of a folder under `prefix` in the repository. */
function filesIn(dir: string, names: readonly string[], prefix: string): FakeRepoFile[] {
  return names.map((n) => file(`${prefix}${n}`, new Uint8Array(readFileSync(join(dir, n)))));
}

const EXTRAS = (seed: number): FakeRepoFile[] => [
  file("README.md", text("# model card\n")),
  file(".gitattributes", text("*.safetensors filter=lfs diff=lfs merge=lfs -text\n")),
  file("example/zh.mp3", pseudoRandomBytes(200_000, seed)),
];

// ---------------------------------------------------------------------------
// Fun-ASR-Nano-2512

export const NANO_REPOS = {
  mlx8bit: "mlx-community/Fun-ASR-Nano-2512-8bit",
  mlxBf16: "mlx-community/Fun-ASR-Nano-2512",
  original: "FunAudioLLM/Fun-ASR-Nano-2512",
  vllm: "FunAudioLLM/Fun-ASR-Nano-2512-vllm",
} as const;

/** FunASR's state dict of the tiny Nano: `audio_encoder.*`, `audio_adaptor.*`, `llm.*` (head tied to the embedding), a CTC head, all bf16. */
async function nanoStateDict(): Promise<{ tensors: Tensors; decoderDir: string }> {
  const dir = await tinyModel("fun-asr-nano");
  const decoder = tensorsOf(join(dir, "decoder"));
  const tensors = asBfloat16(
    new Map([
      ...withPrefix(tensorsOf(join(dir, "encoder"), "encoder."), "audio_encoder."),
      ...tensorsOf(join(dir, "nano_adaptor")),
      ...withPrefix(decoder, "llm."),
      ["llm.lm_head.weight", decoder.get("model.embed_tokens.weight")!],
      ["ctc.ctc_lo.weight", { dtype: "F32", shape: [8, 64], bytes: new Uint8Array(8 * 64 * 4) }],
    ]),
  );
  return { tensors, decoderDir: join(dir, "decoder") };
}

function qwenFolder(decoderDir: string, prefix: string): FakeRepoFile[] {
  return [
    ...filesIn(decoderDir, ["config.json", "tokenizer.json", "tokenizer_config.json"], prefix),
    file(`${prefix}generation_config.json`, json({ bos_token_id: 151643, eos_token_id: [151645, 151643] })),
    file(`${prefix}merges.txt`, text("#version: 0.2\n")),
  ];
}

/** What a download of an mlx-community Fun-ASR-Nano repository takes: the model files, the tokenizer folder included (sorted). */
export const MLX_COMMUNITY_NANO_FILES = [
  "Qwen3-0.6B/config.json",
  "Qwen3-0.6B/generation_config.json",
  "Qwen3-0.6B/merges.txt",
  "Qwen3-0.6B/tokenizer.json",
  "Qwen3-0.6B/tokenizer_config.json",
  "config.json",
  "model.safetensors",
];

/** mlx-audio's conversion: FSMN kernels `[D, K, 1]`, no `llm.lm_head.weight`, config.json with `text_config`. */
function mlxAudioRepo(id: string, tensors: Tensors, decoderDir: string, quantization?: { group_size: number; bits: number }): FakeRepo {
  const converted = new Map<string, RawTensor>();
  for (const [name, t] of tensors) {
    if (name === "llm.lm_head.weight") continue;
    // [D, 1, K] and [D, K, 1] hold the same bytes in row-major order; only the shape changes.
    converted.set(name, name.endsWith("fsmn_block.weight") ? { ...t, shape: [t.shape[0]!, t.shape[2]!, 1] } : t);
  }
  const textConfig = JSON.parse(readFileSync(join(decoderDir, "config.json"), "utf8"));
  const config = {
    model_type: "fun_asr_nano",
    model_repo: NANO_REPOS.original,
    input_size: 560,
    qwen_tokenizer_path: "Qwen3-0.6B",
    frontend_conf: { fs: 16000, window: "hamming", n_mels: 80, frame_length: 25, frame_shift: 10, lfr_m: 7, lfr_n: 6, cmvn_file: null },
    audio_encoder_conf: { output_size: 64, attention_heads: 4, linear_units: 128, num_blocks: 3, tp_blocks: 2, kernel_size: 11, sanm_shift: 0, feat_permute: true },
    audio_adaptor_conf: { downsample_rate: 1, use_low_frame_rate: true, ffn_dim: 128, llm_dim: 64, encoder_dim: 64, n_layer: 2, attention_heads: 8 },
    text_config: textConfig,
    default_max_tokens: 512,
    ...(quantization && { quantization: { ...quantization, mode: "affine" }, quantization_config: { ...quantization, mode: "affine" } }),
  };
  return repo(id, [file("config.json", json(config)), file("model.safetensors", safetensorsBytes(converted)), ...qwenFolder(decoderDir, "Qwen3-0.6B/"), ...EXTRAS(11)]);
}

/** The repositories Fun-ASR-Nano is published in (the mlx-community ones unquantized: tiny widths cannot be quantized). */
export async function nanoRepos(): Promise<FakeRepo[]> {
  const { tensors, decoderDir } = await nanoStateDict();
  const funasrFiles = [file("config.yaml", text("model: FunASRNano\n")), file("configuration.json", json({ framework: "pytorch" })), ...qwenFolder(decoderDir, "Qwen3-0.6B/"), ...EXTRAS(12)];
  return [
    mlxAudioRepo(NANO_REPOS.mlx8bit, tensors, decoderDir),
    mlxAudioRepo(NANO_REPOS.mlxBf16, tensors, decoderDir),
    repo(NANO_REPOS.original, [file("model.pt", torchBytes(tensors, { wrapKey: "state_dict", shared: { "llm.lm_head.weight": "llm.model.embed_tokens.weight" } })), ...funasrFiles]),
    repo(NANO_REPOS.vllm, [file("model.safetensors", safetensorsBytes(tensors, { format: "pt" })), ...funasrFiles]),
  ];
}


// ---------------------------------------------------------------------------
// FunASR-Qwen4B

export const QWEN4B_REPOS = {
  adaptor: "yuechen/funasr-qwen4b-mlx",
  senseVoice: "FunAudioLLM/SenseVoiceSmall",
  qwen4bit: "mlx-community/Qwen3-4B-4bit",
  qwen8bit: "mlx-community/Qwen3-4B-8bit",
} as const;

const OMINIX_SHORT_NAMES = (n: string) =>
  n.replace(".self_attn.linear_q_k_v.", ".attn.qkv.").replace(".self_attn.linear_out.", ".attn.out.").replace(".self_attn.fsmn_block.", ".attn.fsmn.").replace(".feed_forward.w_1.", ".ffn.w1.").replace(".feed_forward.w_2.", ".ffn.w2.");

function mlxQwenRepo(id: string, decoderDir: string): FakeRepo {
  const names = readdirSync(decoderDir).filter((n) => n !== "model.safetensors");
  return repo(id, [...filesIn(decoderDir, ["model.safetensors", ...names], ""), file("README.md", text("# Qwen3-4B\n"))]);
}

/**
 * The repositories FunASR-Qwen4B takes its parts from. `encoderInAdaptorRepo`:
 * whether the adaptor's repository also holds SenseVoice (OminiX's short names);
 * without it the encoder comes from SenseVoiceSmall's `model.pt`.
 */
export async function qwen4bRepos(options: { encoderInAdaptorRepo: boolean }): Promise<FakeRepo[]> {
  const dir = await tinyModel("funasr-qwen4b");
  const encoder = tensorsOf(join(dir, "encoder"), "encoder.");
  const adaptorFiles = [file("adaptor_phase2_final.safetensors", safetensorsBytes(tensorsOf(join(dir, "adaptor")))), file("README.md", text("# funasr-qwen4b-mlx\n"))];
  if (options.encoderInAdaptorRepo) adaptorFiles.push(file("sensevoice_iic.safetensors", safetensorsBytes(withPrefix(encoder, "encoder.", OMINIX_SHORT_NAMES))));
  const senseVoice = new Map([
    ...withPrefix(encoder, "encoder."),
    ["ctc.ctc_lo.weight", { dtype: "F32", shape: [8, 64], bytes: new Uint8Array(8 * 64 * 4) }],
    ["embed.weight", { dtype: "F32", shape: [16, 560], bytes: new Uint8Array(16 * 560 * 4) }],
  ] as [string, RawTensor][]);
  return [
    repo(QWEN4B_REPOS.adaptor, adaptorFiles),
    repo(QWEN4B_REPOS.senseVoice, [
      file("model.pt", torchBytes(senseVoice)),
      file("am.mvn", text("<Nnet>\n<Splice> 560 560\n</Nnet>\n")),
      file("config.yaml", text("encoder: SenseVoiceEncoderSmall\n")),
      file("tokens.json", json(["<unk>", "<s>", "</s>"])),
      ...EXTRAS(13),
    ]),
    mlxQwenRepo(QWEN4B_REPOS.qwen4bit, join(dir, "decoder")),
    mlxQwenRepo(QWEN4B_REPOS.qwen8bit, join(dir, "decoder")),
  ];
}

/** A repository's files written out as a folder (as a user who downloaded it has it). */
export function writeRepoFolder(fake: FakeRepo, dir: string): string {
  for (const f of fake.files) {
    const path = join(dir, f.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, f.bytes);
  }
  return dir;
}
