/**
 * GLM-ASR-Nano-2512's published folders at their real widths (one layer each,
 * random values), found by the loader from their key names and config.json alone:
 * the release in transformers' layout (bf16, `audio_tower.*`,
 * `multi_modal_projector.*`, `language_model.*`, nested `audio_config`/`text_config`)
 * and an mlx-community 4-bit copy in the original layout (`audio_encoder.whisper.*`,
 * `audio_encoder.adapting.*`, `model.*`, `lm_head.*`, `whisper_config`/`lm_config`,
 * channels-last convolutions, the projector and the text model 4-bit).
 * Each is run from features through one decode step. Nothing of that size is committed.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GLM_ASR_NANO_PROJECTOR, glmAsrProjectorTensors } from "../../adaptor/glm-asr-projector";
import { mx, type Tensor } from "../../src/engine/mlx";
import { loadSafetensors, saveSafetensors } from "../../src/engine/safetensors";
import { GLM_ASR_NANO_TEXT, llamaTensors, type LlamaConfig } from "../../src/models/llama-decoder";
import { GLM_ASR_NANO_AUDIO, whisperRopeEncoderTensors } from "../../src/models/whisper-rope-encoder";
import type { AudioAdaptor, AudioEncoder, CausalLM } from "../../src/nn/parts";
import { injectAudio } from "../../src/pipeline/injection";
import { locateModelFiles } from "../../src/pipeline/model-files";
import { ModelParts } from "../../src/pipeline/model-parts";
import { plansFor, writeCheckpoint } from "../../scripts/synthetic/checkpoint";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

const root = mkdtempSync(join(tmpdir(), "mlx-asr-glm-asr-real-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const AUDIO = { ...GLM_ASR_NANO_AUDIO, num_hidden_layers: 1 };
const TEXT: LlamaConfig = { ...GLM_ASR_NANO_TEXT, num_hidden_layers: 1 };
const AUDIO_PAD = 59260;

/** The release's config.json as transformers 5 writes it. */
function transformersConfig(): Record<string, unknown> {
  return {
    architectures: ["GlmAsrForConditionalGeneration"],
    model_type: "glmasr",
    audio_config: {
      model_type: "glmasr_encoder",
      hidden_size: AUDIO.hidden_size,
      intermediate_size: AUDIO.intermediate_size,
      num_hidden_layers: AUDIO.num_hidden_layers,
      num_attention_heads: AUDIO.num_attention_heads,
      num_key_value_heads: AUDIO.num_attention_heads,
      num_mel_bins: 128,
      max_position_embeddings: 1500,
      partial_rotary_factor: 0.5,
      rope_parameters: { rope_theta: 10000, rope_type: "default", partial_rotary_factor: 0.5 },
      hidden_act: "gelu",
    },
    text_config: {
      model_type: "llama",
      hidden_size: TEXT.hidden_size,
      intermediate_size: TEXT.intermediate_size,
      num_hidden_layers: TEXT.num_hidden_layers,
      num_attention_heads: TEXT.num_attention_heads,
      num_key_value_heads: TEXT.num_key_value_heads,
      head_dim: 128,
      vocab_size: TEXT.vocab_size,
      rms_norm_eps: 1e-5,
      rope_parameters: { rope_theta: 10000, rope_type: "default" },
      max_position_embeddings: 8192,
      eos_token_id: [59246, 59253, 59255],
      pad_token_id: 59246,
      tie_word_embeddings: false,
    },
    audio_token_id: AUDIO_PAD,
    projector_hidden_act: "gelu",
    tie_word_embeddings: false,
  };
}

function transformersPlans() {
  return [
    ...plansFor(whisperRopeEncoderTensors(AUDIO), "audio_tower."),
    ...plansFor(glmAsrProjectorTensors(GLM_ASR_NANO_PROJECTOR), "multi_modal_projector."),
    ...plansFor(llamaTensors(TEXT), "language_model."),
  ];
}

/** A row-major copy (a reshape of a strided view copies it). */
function rowMajor(t: Tensor): Tensor {
  return t.reshape([-1]).reshape(t.shape);
}

/** Loads the folder as the Transcriber does and runs 3 s of features (one padded window) through every part and one decode step. */
async function runFolder(dir: string, bits?: number): Promise<Tensor> {
  const parts = new ModelParts(locateModelFiles(dir));
  expect(parts.family.name).toBe("glm-asr-nano");
  expect((parts.config("decoder") as LlamaConfig).hidden_size).toBe(2048);
  const encoder = await parts.network<AudioEncoder>("encoder");
  const adaptor = await parts.network<AudioAdaptor>("adaptor");
  const llm = await parts.network<CausalLM>("decoder");
  if (bits !== undefined) expect(llm.weightBits).toBe(bits);
  const features = mx.random.normal([1, 3000, 128], mx.float32, 0, 1, mx.random.key(3));
  const encoded = encoder.encode(features, [300]);
  expect(encoded.frames.shape).toEqual([1, 1500, 1280]);
  expect(encoded.lengths).toEqual([150]);
  const adapted = adaptor.adapt(encoded.frames, encoded.lengths);
  expect(adapted.lengths).toEqual([37]);
  const rows = adapted.frames.index(0);
  expect(rows.shape).toEqual([37, 2048]);
  const ids = [59253, 198, 59261, ...Array(37).fill(AUDIO_PAD), 59262, 59253, 198, 5000, 59254, 198];
  const cache = llm.newCache();
  const prefill = llm.forward(injectAudio(llm, ids, { start: 3, end: 40 }, rows), cache);
  const next = Number(mx.argmax(prefill.reshape([-1])).item());
  const step = llm.forward(llm.embed(mx.array([[next]], mx.int32)), cache);
  expect(step.shape).toEqual([1, 1, 59264]);
  expect(Number(mx.isnan(step).any().item())).toBe(0);
  expect(cache.offset).toBe(ids.length + 1);
  return rows;
}

test("the release in transformers' layout (bf16) and an mlx-community 4-bit copy in the original layout of the same weights", async () => {
  const release = join(root, "release");
  await writeCheckpoint(release, transformersPlans(), { dtype: "bfloat16", seed: 1 });
  writeFileSync(join(release, "config.json"), JSON.stringify(transformersConfig()));
  const reference = await runFolder(release);

  // The original names (transformers' converter run backwards, q/k rows back in the interleaved RoPE order),
  // channels-last convolutions, the projector and text model at 4 bits, group 64.
  const tensors = loadSafetensors(join(release, "model.safetensors"));
  const rotary = 32;
  const headDim = 64;
  const interleave = mx.array(
    Array.from({ length: AUDIO.hidden_size }, (_, row) => {
      const [head, i] = [Math.floor(row / headDim), row % headDim];
      // Original row 2j holds released row j, original row 2j + 1 released row r/2 + j.
      return head * headDim + (i < rotary ? (i % 2 === 0 ? i / 2 : rotary / 2 + (i - 1) / 2) : i);
    }),
    mx.int32,
  );
  const original: Record<string, Tensor> = {};
  const put = (name: string, t: Tensor) => {
    // The encoder's layers stay float here (the engine's 4-bit CPU kernels over 1500 frames would take minutes); quantized audio layers are checked at tiny widths.
    const quantizable = t.ndim === 2 && t.shape[1]! % 64 === 0 && !name.startsWith("audio_encoder.whisper.");
    if (!quantizable) {
      original[name] = t;
      return;
    }
    const [w, scales, biases] = mx.quantize(t.astype(mx.float32), 64, 4);
    const path = name.replace(/\.weight$/, "");
    Object.assign(original, { [`${path}.weight`]: w, [`${path}.scales`]: scales.astype(mx.bfloat16), [`${path}.biases`]: biases.astype(mx.bfloat16) });
  };
  for (const [name, t] of Object.entries(tensors)) {
    const key = name.startsWith("audio_tower.")
      ? name
          .replace(/^audio_tower\.norm\./, "audio_encoder.layer_norm.")
          .replace(/^audio_tower\./, "audio_encoder.whisper.")
          .replace(/self_attn\.o_proj\./, "self_attn.out_proj.")
          .replace(/\.input_layernorm\./, ".self_attn_layer_norm.")
          .replace(/\.post_attention_layernorm\./, ".final_layer_norm.")
          .replace(/\.mlp\.fc([12])\./, ".fc$1.")
      : name
          .replace(/^multi_modal_projector\.linear_1\./, "audio_encoder.adapting.0.")
          .replace(/^multi_modal_projector\.linear_2\./, "audio_encoder.adapting.2.")
          .replace(/^language_model\./, "");
    let value = t;
    if (/^audio_encoder\.whisper\.layers\.\d+\.self_attn\.(q_proj\.(weight|bias)|k_proj\.weight)$/.test(key)) value = rowMajor(mx.take(t, mx.argsort(interleave), 0));
    if (/^audio_encoder\.whisper\.conv[12]\.weight$/.test(key)) value = rowMajor(t.transpose(0, 2, 1));
    put(key, value);
  }
  // Tensors the original holds and the networks do not use.
  put("audio_encoder.whisper.embed_positions.weight", mx.zeros([1500, 1280], mx.bfloat16));
  put("audio_encoder.proj.weight", mx.zeros([2048, 1280], mx.bfloat16));
  original["audio_encoder.proj.bias"] = mx.zeros([2048], mx.bfloat16);
  put("audio_encoder.audio_bos_eos_token.weight", mx.zeros([2, 2048], mx.bfloat16));
  const mlx = join(root, "mlx");
  mkdirSync(mlx);
  saveSafetensors(join(mlx, "model.safetensors"), original);
  const text = (transformersConfig().text_config ?? {}) as Record<string, unknown>;
  writeFileSync(
    join(mlx, "config.json"),
    JSON.stringify({
      model_type: "glmasr",
      whisper_config: { d_model: 1280, encoder_layers: 1, encoder_attention_heads: 20, encoder_ffn_dim: 5120, num_mel_bins: 128, max_source_positions: 1500 },
      lm_config: text,
      merge_factor: 4,
      use_rope: true,
      max_whisper_length: 1500,
      quantization: { group_size: 64, bits: 4 },
    }),
  );
  const rows = await runFolder(mlx, 4);
  // 4-bit layers: the rows agree with the float ones to the quantization's precision.
  const scale = Number(mx.abs(reference).max().item());
  expect(Number(mx.abs(mx.subtract(rows, reference)).max().item())).toBeLessThan(0.25 * scale);
}, 600_000);
