/**
 * Configurations read off a checkpoint's tensor shapes, for released files that
 * come without a config of ours: widths and block counts from the shapes, what
 * shapes cannot tell (head counts, eps, modes) from the released configuration.
 */
import type { NanoAdaptorConfig } from "../../adaptor/nano-adaptor";
import type { Qwen4bAdaptorConfig } from "../../adaptor/qwen4b-adaptor";
import { ModelFileError } from "../errors";
import { CheckpointIndex } from "../engine/weights";
import { canonicalEncoderKey, type SenseVoiceEncoderConfig } from "./sensevoice-encoder";

function shapeOf(index: CheckpointIndex, name: string, component: string): readonly number[] {
  const entry = index.entries.get(name);
  if (!entry) throw new ModelFileError("WEIGHTS_MISSING", index.label, `${component} weights lack "${name}"`);
  return entry.shape;
}

function countBlocks(index: CheckpointIndex, pattern: RegExp): number {
  const seen = new Set<string>();
  for (const name of index.entries.keys()) {
    const m = pattern.exec(name);
    if (m) seen.add(m[1]!);
  }
  return seen.size;
}

/** `index` scoped to the encoder (prefix removed); FunASR or OminiX names. */
export function inferSenseVoiceConfig(scoped: CheckpointIndex, defaults: SenseVoiceEncoderConfig): SenseVoiceEncoderConfig {
  const renamed = new Map([...scoped.entries].map(([n, e]) => [canonicalEncoderKey(n), e]));
  const index = new CheckpointIndex(scoped.files, renamed);
  const c = "SenseVoice encoder";
  const [, inputSize] = shapeOf(index, "encoders0.0.self_attn.linear_q_k_v.weight", c) as [number, number];
  const [outputSize] = shapeOf(index, "after_norm.weight", c) as [number];
  const [units] = shapeOf(index, "encoders0.0.feed_forward.w_1.weight", c) as [number];
  const kernel = shapeOf(index, "encoders0.0.self_attn.fsmn_block.weight", c)[2]!;
  return {
    ...defaults,
    input_size: inputSize,
    encoder_conf: {
      ...defaults.encoder_conf,
      output_size: outputSize,
      linear_units: units,
      kernel_size: kernel,
      num_blocks: 1 + countBlocks(index, /^encoders\.(\d+)\./),
      tp_blocks: countBlocks(index, /^tp_encoders\.(\d+)\./),
    },
  };
}

/** Converted or PyTorch layout, no prefix. */
export function inferQwen4bAdaptorConfig(index: CheckpointIndex, defaults: Qwen4bAdaptorConfig): Qwen4bAdaptorConfig {
  const c = "Qwen4B adaptor";
  const [hidden, input] = shapeOf(index, "input_proj.weight", c) as [number, number];
  const [output] = shapeOf(index, "output_proj.weight", c) as [number];
  const pytorch = index.has("transformer.layers.0.self_attn.in_proj_weight");
  const ffnName = pytorch ? "transformer.layers.0.linear1.weight" : index.has("layers.0.ffn_linear1.weight") ? "layers.0.ffn_linear1.weight" : "layers.0.linear1.weight";
  const layers = countBlocks(index, pytorch ? /^transformer\.layers\.(\d+)\./ : /^layers\.(\d+)\./);
  const ffn = layers > 0 ? shapeOf(index, ffnName, c)[0]! : defaults.ffn_dim;
  return { ...defaults, input_dim: input, hidden_dim: hidden, output_dim: output, num_layers: layers, ffn_dim: ffn };
}

/** `index` scoped to the adaptor (prefix removed), FunASR names. */
export function inferNanoAdaptorConfig(index: CheckpointIndex, defaults: NanoAdaptorConfig): NanoAdaptorConfig {
  const c = "Nano adaptor";
  const [ffn, stackedInput] = shapeOf(index, "linear1.weight", c) as [number, number];
  const [llm] = shapeOf(index, "linear2.weight", c) as [number];
  const layers = countBlocks(index, /^blocks\.(\d+)\./);
  const blockFfn = layers > 0 ? shapeOf(index, "blocks.0.feed_forward.w_1.weight", c)[0]! : Math.floor(llm / 4);
  const rate = defaults.audio_adaptor_conf.downsample_rate;
  return {
    ...defaults,
    block_ffn_dim: blockFfn,
    audio_adaptor_conf: { ...defaults.audio_adaptor_conf, ffn_dim: ffn, llm_dim: llm, encoder_dim: stackedInput / rate, n_layer: layers },
  };
}
