/**
 * The configurations of the released networks (spec/*.md), used when a released
 * checkpoint comes without a config.json of ours (FunASR ships config.yaml; the
 * OminiX adaptor ships bare weights) and by the benchmark's real-shape models.
 */
import { NanoAdaptorConfigSchema, type NanoAdaptorConfig } from "../../adaptor/nano-adaptor";
import { Qwen4bAdaptorConfigSchema, type Qwen4bAdaptorConfig } from "../../adaptor/qwen4b-adaptor";
import { Qwen3ConfigSchema, type Qwen3Config } from "./qwen3-decoder";
import { SenseVoiceEncoderConfigSchema, type SenseVoiceEncoderConfig } from "./sensevoice-encoder";

/** SenseVoiceSmall's encoder (also Fun-ASR-Nano's, there under `audio_encoder.`). */
export const SENSEVOICE_SMALL_ENCODER: SenseVoiceEncoderConfig = SenseVoiceEncoderConfigSchema.parse({
  input_size: 560,
  encoder_conf: { output_size: 512, attention_heads: 4, linear_units: 2048, num_blocks: 50, tp_blocks: 20, kernel_size: 11, sanm_shfit: 0 },
  checkpoint_key_prefix: "encoder.",
});

/** OminiX's AudioAdaptorQwen4B: 512 → 2048 (4 post-norm layers, 8 heads, FFN 8192) → 2560. */
export const QWEN4B_ADAPTOR: Qwen4bAdaptorConfig = Qwen4bAdaptorConfigSchema.parse({
  input_dim: 512,
  hidden_dim: 2048,
  output_dim: 2560,
  num_layers: 4,
  num_heads: 8,
  ffn_dim: 8192,
  activation: "gelu",
  norm_first: false,
  layer_norm_eps: 1e-5,
});

/** Fun-ASR-Nano-2512's adaptor: 512 → 2048 → 1024, 2 blocks, 8 heads, block FFN 256. */
export const FUN_ASR_NANO_ADAPTOR: NanoAdaptorConfig = NanoAdaptorConfigSchema.parse({
  audio_adaptor_conf: { downsample_rate: 1, use_low_frame_rate: true, ffn_dim: 2048, llm_dim: 1024, encoder_dim: 512, n_layer: 2, attention_heads: 8 },
  block_ffn_dim: 256,
});

const QWEN3_COMMON = {
  model_type: "qwen3",
  head_dim: 128,
  vocab_size: 151936,
  rms_norm_eps: 1e-6,
  rope_theta: 1_000_000,
  tie_word_embeddings: true,
  max_position_embeddings: 40960,
  bos_token_id: 151643,
  eos_token_id: 151645,
};

export const QWEN3_0_6B: Qwen3Config = Qwen3ConfigSchema.parse({
  ...QWEN3_COMMON,
  hidden_size: 1024,
  num_hidden_layers: 28,
  num_attention_heads: 16,
  num_key_value_heads: 8,
  intermediate_size: 3072,
});

export const QWEN3_4B: Qwen3Config = Qwen3ConfigSchema.parse({
  ...QWEN3_COMMON,
  hidden_size: 2560,
  num_hidden_layers: 36,
  num_attention_heads: 32,
  num_key_value_heads: 8,
  intermediate_size: 9728,
});
