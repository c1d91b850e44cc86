/**
 * Qwen3-ASR's published folders at their real widths (fewer layers, random values),
 * found by the loader from their key names and config.json alone: the 0.6B release
 * (one bf16 `model.safetensors`, nested config), the 1.7B release (shards + index),
 * transformers' `-hf` conversion, and an mlx-community 8-bit copy (no `thinker.`,
 * channels-last convolutions, no `lm_head`, quantized text model). Each is run from
 * features through one decode step. Nothing of that size is committed.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { QWEN3_ASR_0_6B_PROJECTOR, QWEN3_ASR_1_7B_PROJECTOR, qwen3AsrProjectorTensors } from "../../adaptor/qwen3-asr-projector";
import { mx, type Tensor } from "../../src/engine/mlx";
import { loadSafetensors, saveSafetensors } from "../../src/engine/safetensors";
import { QWEN3_ASR_0_6B_TEXT, QWEN3_ASR_1_7B_TEXT } from "../../src/families/qwen3-asr";
import { autEncoderTensors, QWEN3_ASR_0_6B_AUDIO, QWEN3_ASR_1_7B_AUDIO, type AutEncoderConfig } from "../../src/models/aut-encoder";
import { qwen3Tensors, type Qwen3Config } from "../../src/models/qwen3-decoder";
import type { AudioAdaptor, AudioEncoder, CausalLM } from "../../src/nn/parts";
import { locateModelFiles } from "../../src/pipeline/model-files";
import { ModelParts } from "../../src/pipeline/model-parts";
import { injectAudio } from "../../src/pipeline/injection";
import { plansFor, writeCheckpoint } from "../../scripts/synthetic/checkpoint";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

const root = mkdtempSync(join(tmpdir(), "mlx-asr-qwen3-asr-real-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Size {
  readonly audio: AutEncoderConfig;
  readonly projector: typeof QWEN3_ASR_0_6B_PROJECTOR;
  readonly text: Qwen3Config;
}

const cut = (s: Size): Size => ({ audio: { ...s.audio, encoder_layers: 1 }, projector: s.projector, text: { ...s.text, num_hidden_layers: 1 } });
const SIZE_0_6B = cut({ audio: QWEN3_ASR_0_6B_AUDIO, projector: QWEN3_ASR_0_6B_PROJECTOR, text: QWEN3_ASR_0_6B_TEXT });
const SIZE_1_7B = cut({ audio: QWEN3_ASR_1_7B_AUDIO, projector: QWEN3_ASR_1_7B_PROJECTOR, text: QWEN3_ASR_1_7B_TEXT });

/** The release's config.json: nested `thinker_config` with the fields its networks read. */
function releasedConfig(s: Size, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    architectures: ["Qwen3ASRForConditionalGeneration"],
    model_type: "qwen3_asr",
    thinker_config: {
      model_type: "qwen3_asr_thinker",
      audio_config: { ...s.audio, output_dim: s.projector.output_dim, model_type: "qwen3_asr_audio_encoder", n_window: 50, n_window_infer: 800 },
      text_config: { ...s.text, model_type: "qwen3_asr_text" },
      audio_token_id: 151676,
    },
    ...extra,
  };
}

/** The release's tensors: `thinker.audio_tower.*` (projector inside), `thinker.model.*`, `thinker.lm_head.weight`. */
function releasedPlans(s: Size) {
  return [
    ...plansFor(autEncoderTensors(s.audio), "thinker.audio_tower."),
    ...plansFor(qwen3AsrProjectorTensors(s.projector), "thinker.audio_tower."),
    ...plansFor(qwen3Tensors(s.text), "thinker."),
    { name: "thinker.lm_head.weight", shape: [s.text.vocab_size, s.text.hidden_size], init: "zeros" as const },
  ];
}

/** A row-major copy (a reshape of a strided view copies it). */
function rowMajor(t: Tensor): Tensor {
  return t.reshape([-1]).reshape(t.shape);
}

/** Loads the folder as the Transcriber does and runs 2 s of features through every part and one decode step. */
async function runFolder(dir: string, s: Size): Promise<Tensor> {
  const parts = new ModelParts(locateModelFiles(dir));
  expect(parts.family.name).toBe("qwen3-asr");
  expect((parts.config("decoder") as Qwen3Config).hidden_size).toBe(s.text.hidden_size);
  const encoder = await parts.network<AudioEncoder>("encoder");
  const adaptor = await parts.network<AudioAdaptor>("adaptor");
  const llm = await parts.network<CausalLM>("decoder");
  const features = mx.random.normal([1, 200, 128], mx.float32, 0, 1, mx.random.key(3));
  const encoded = encoder.encode(features, [200]);
  expect(encoded.frames.shape).toEqual([1, 26, s.audio.d_model]);
  const rows = adaptor.adapt(encoded.frames, encoded.lengths).frames.index(0);
  expect(rows.shape).toEqual([26, s.text.hidden_size]);
  const ids = [151644, 8948, 198, 151645, 198, 151644, 872, 198, 151669, ...Array(26).fill(151676), 151670, 151645, 198, 151644, 77091, 198];
  const cache = llm.newCache();
  const prefill = llm.forward(injectAudio(llm, ids, { start: 9, end: 35 }, rows), cache);
  const next = Number(mx.argmax(prefill.reshape([-1])).item());
  const step = llm.forward(llm.embed(mx.array([[next]], mx.int32)), cache);
  expect(step.shape).toEqual([1, 1, 151936]);
  expect(Number(mx.isnan(step).any().item())).toBe(0);
  expect(cache.offset).toBe(ids.length + 1);
  return rows;
}

test("Qwen3-ASR-0.6B as released: one bf16 model.safetensors, nested config, tied lm_head present", async () => {
  const dir = join(root, "0.6b");
  await writeCheckpoint(dir, releasedPlans(SIZE_0_6B), { dtype: "bfloat16", seed: 1 });
  writeFileSync(join(dir, "config.json"), JSON.stringify(releasedConfig(SIZE_0_6B)));
  await runFolder(dir, SIZE_0_6B);
}, 300_000);

test("Qwen3-ASR-1.7B as released: shards with model.safetensors.index.json", async () => {
  const dir = join(root, "1.7b");
  const files = await writeCheckpoint(dir, releasedPlans(SIZE_1_7B), { dtype: "bfloat16", seed: 2, shardBytes: 400e6 });
  expect(files.length).toBeGreaterThan(1);
  writeFileSync(join(dir, "config.json"), JSON.stringify(releasedConfig(SIZE_1_7B)));
  await runFolder(dir, SIZE_1_7B);
}, 300_000);

test("the transformers -hf layout and an mlx-community 8-bit copy of the same weights", async () => {
  const source = join(root, "source");
  await writeCheckpoint(source, releasedPlans(SIZE_0_6B), { dtype: "float32", seed: 3 });
  const tensors = loadSafetensors(join(source, "model.safetensors"));

  // transformers 5: plain prefix renames (`convert_qwen3_asr_to_hf.py`), flat config, no lm_head.
  const hf: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(tensors)) {
    if (name === "thinker.lm_head.weight") continue;
    const renamed = name
      .replace(/^thinker\.model\./, "model.language_model.")
      .replace(/^thinker\./, "model.")
      .replace(/^model\.audio_tower\.proj([12])\./, "model.multi_modal_projector.linear_$1.");
    hf[renamed] = t;
  }
  const hfDir = join(root, "hf");
  mkdirSync(hfDir);
  saveSafetensors(join(hfDir, "model.safetensors"), hf);
  const { rope_theta, rope_scaling, ...flatText } = SIZE_0_6B.text;
  void rope_scaling;
  writeFileSync(
    join(hfDir, "config.json"),
    JSON.stringify({
      model_type: "qwen3_asr",
      audio_config: { ...SIZE_0_6B.audio, output_dim: 1024, model_type: "qwen3_asr_encoder", max_position_embeddings: 13 },
      text_config: { ...flatText, model_type: "qwen3", rope_parameters: { rope_theta, rope_type: "default" } },
      audio_token_id: 151676,
    }),
  );

  // mlx-community: `thinker.` removed, conv2d weights channels-last, lm_head dropped, the text model 8-bit.
  const mlxTensors: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(tensors)) {
    if (name === "thinker.lm_head.weight") continue;
    const key = name.replace(/^thinker\./, "");
    if (/^audio_tower\.conv2d\d\.weight$/.test(key)) mlxTensors[key] = rowMajor(t.transpose(0, 2, 3, 1).astype(mx.bfloat16));
    else if (key.startsWith("model.") && t.ndim === 2) {
      const [w, scales, biases] = mx.quantize(t, 64, 8);
      const path = key.replace(/\.weight$/, "");
      Object.assign(mlxTensors, { [`${path}.weight`]: w, [`${path}.scales`]: scales, [`${path}.biases`]: biases });
    } else mlxTensors[key] = t.astype(mx.bfloat16);
  }
  const mlxDir = join(root, "mlx");
  mkdirSync(mlxDir);
  saveSafetensors(join(mlxDir, "model.safetensors"), mlxTensors);
  const quantization = { group_size: 64, bits: 8, mode: "affine" };
  writeFileSync(join(mlxDir, "config.json"), JSON.stringify(releasedConfig(SIZE_0_6B, { quantization, quantization_config: quantization })));

  writeFileSync(join(source, "config.json"), JSON.stringify(releasedConfig(SIZE_0_6B)));
  const reference = await runFolder(source, SIZE_0_6B);
  expect(Number(mx.abs(mx.subtract(await runFolder(hfDir, SIZE_0_6B), reference)).max().item())).toBe(0);
  // The audio tower is stored in bf16 by the copy: the rows agree to bf16 precision.
  const mlxRows = await runFolder(mlxDir, SIZE_0_6B);
  const scale = Number(mx.abs(reference).max().item());
  expect(Number(mx.abs(mx.subtract(mlxRows, reference)).max().item())).toBeLessThan(0.05 * scale);
  const parts = new ModelParts(locateModelFiles(mlxDir));
  expect((await parts.network<CausalLM>("decoder")).weightBits).toBe(8);
}, 300_000);
