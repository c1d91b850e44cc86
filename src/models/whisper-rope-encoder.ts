/**
 * The Whisper-shaped audio encoder of GLM-ASR (transformers `GlmAsrEncoder`; the
 * original checkpoint's `audio_encoder.whisper` + `audio_encoder.layer_norm`): the
 * log-mel frames cut into windows of 2 × `max_position_embeddings` frames (30 s,
 * each already padded by the front end), each window through Conv1d (k 3, s 1) and
 * Conv1d (k 3, s 2) with GELU, then pre-LN layers whose attention sees the whole
 * window (padding frames included, no mask) with RoPE on the first
 * `partial_rotary_factor` of each head (positions restart in every window), then
 * a final LayerNorm. k_proj has no bias. No absolute positions.
 *
 * A member's windows follow one another on the time axis, in and out: its output
 * is every row of its full windows and the valid rows of its last one.
 */
import { z } from "zod";
import { audioDtype } from "../engine/device";
import type { KeyLayout } from "../engine/key-layout";
import { mx, type Tensor } from "../engine/mlx";
import { CheckpointIndex, TensorPicker } from "../engine/weights";
import { SelfAttention } from "../nn/attention";
import { MAX_LAYERS } from "../nn/config-bounds";
import { convOutputLength, ConvStem } from "../nn/conv-stem";
import { FeedForward } from "../nn/feed-forward";
import { loadNetworkFolder, type NetworkDefinition } from "../nn/network";
import { LayerNorm } from "../nn/norm";
import type { AudioEncoder, FrameBatch } from "../nn/parts";
import { Rope } from "../nn/rope";
import { countIndexed, shapeOf } from "../nn/shapes";
import { storedLinear, storedLinearShapes } from "../nn/stored-linear";
import { TransformerLayer } from "../nn/transformer-layer";

/** transformers' `audio_config` (`GlmAsrEncoderConfig`); other fields are ignored. */
export const WhisperRopeEncoderConfigSchema = z.object({
  num_mel_bins: z.number().int().positive().default(128),
  hidden_size: z.number().int().positive(),
  intermediate_size: z.number().int().positive(),
  num_hidden_layers: z.number().int().min(1).max(MAX_LAYERS),
  num_attention_heads: z.number().int().positive(),
  /** Encoder frames of one window (after the stride-2 convolution). */
  max_position_embeddings: z.number().int().positive().max(100_000).default(1500),
  partial_rotary_factor: z.number().positive().max(1).default(0.5),
  rope_theta: z.number().positive().default(10000),
  /**
   * How the rotated channels pair: transformers' weights rotate-half (i, i + r/2);
   * the original checkpoint's q/k rows are in the interleaved order (2i, 2i + 1).
   */
  rope_interleaved: z.boolean().default(false),
  hidden_act: z.literal("gelu").default("gelu"),
  layer_norm_eps: z.number().positive().default(1e-5),
  /** mlx-community's copies: how their quantized layers are quantized. */
  quantization: z.object({ group_size: z.number().int().positive(), bits: z.number().int().positive() }).passthrough().optional(),
});
export type WhisperRopeEncoderConfig = z.output<typeof WhisperRopeEncoderConfigSchema>;

/** zai-org/GLM-ASR-Nano-2512's audio tower. */
export const GLM_ASR_NANO_AUDIO: WhisperRopeEncoderConfig = WhisperRopeEncoderConfigSchema.parse({
  hidden_size: 1280,
  intermediate_size: 5120,
  num_hidden_layers: 32,
  num_attention_heads: 20,
});

const KERNEL = 3;

/** Mel frames of one window. */
export function windowFeatureFrames(c: WhisperRopeEncoderConfig): number {
  return 2 * c.max_position_embeddings;
}

function convLength(frames: number): number {
  return convOutputLength(convOutputLength(frames, KERNEL, 1, 1), KERNEL, 2, 1);
}

/** Encoder frames of `featureFrames` valid mel frames: every full window's rows, then the last window's valid ones. */
export function whisperRopeFrameCount(c: WhisperRopeEncoderConfig, featureFrames: number): number {
  const window = windowFeatureFrames(c);
  const windows = Math.max(1, Math.ceil(featureFrames / window));
  return (windows - 1) * c.max_position_embeddings + convLength(featureFrames - (windows - 1) * window);
}

function rotaryDims(c: WhisperRopeEncoderConfig): number {
  const headDim = c.hidden_size / c.num_attention_heads;
  return 2 * Math.floor((headDim * c.partial_rotary_factor) / 2);
}

/**
 * The original checkpoint (`audio_encoder.whisper.*`, `audio_encoder.layer_norm.*`;
 * mlx-community's copies store the convolutions channels-last). Its q/k rows are
 * in the interleaved RoPE order: the release layout says so in the config.
 */
const ORIGINAL_LAYOUT: KeyLayout = {
  name: "original GLM-ASR (audio_encoder.whisper)",
  detect: (index) => index.has("whisper.conv1.weight"),
  rules: [
    { match: /^(whisper\.embed_positions|proj|adapting|audio_bos_eos_token)\./, drop: true },
    { match: /^layer_norm\./, rename: "norm." },
    { match: /^whisper\./, rename: "" },
    { match: /^layers\.(\d+)\.self_attn\.out_proj\./, rename: "layers.$1.self_attn.o_proj." },
    { match: /^layers\.(\d+)\.self_attn_layer_norm\./, rename: "layers.$1.input_layernorm." },
    { match: /^layers\.(\d+)\.final_layer_norm\./, rename: "layers.$1.post_attention_layernorm." },
    { match: /^layers\.(\d+)\.fc([12])\./, rename: "layers.$1.mlp.fc$2." },
  ],
};

/** Channels-last convolutions are told by their kernel axis: `[out, 3, in]` instead of `[out, in, 3]`. */
function isChannelsLast(index: CheckpointIndex): boolean {
  const shape = index.entries.get("conv1.weight")?.shape ?? index.entries.get("whisper.conv1.weight")?.shape;
  return shape !== undefined && shape.length === 3 && shape[1] === KERNEL && shape[2] !== KERNEL;
}

const CHANNELS_LAST_RULE = { match: /^conv[12]\.weight$/, permute: [0, 2, 1] } as const;

const LAYOUTS: readonly KeyLayout[] = [
  { ...ORIGINAL_LAYOUT, name: `${ORIGINAL_LAYOUT.name}, channels-last convolutions`, detect: (i) => ORIGINAL_LAYOUT.detect(i) && isChannelsLast(i), rules: [...ORIGINAL_LAYOUT.rules, CHANNELS_LAST_RULE] },
  ORIGINAL_LAYOUT,
  { name: "channels-last convolutions", detect: isChannelsLast, rules: [CHANNELS_LAST_RULE] },
];

/** Names and shapes (transformers' names without `audio_tower.`; convolutions `[out, in, k]`; linear layers quantized where `index` shows it). */
export function whisperRopeEncoderTensors(c: WhisperRopeEncoderConfig, index: CheckpointIndex = new CheckpointIndex([], new Map())): Map<string, number[]> {
  const d = c.hidden_size;
  const shapes = new Map<string, number[]>([
    ["conv1.weight", [d, c.num_mel_bins, KERNEL]],
    ["conv1.bias", [d]],
    ["conv2.weight", [d, d, KERNEL]],
    ["conv2.bias", [d]],
    ["norm.weight", [d]],
    ["norm.bias", [d]],
  ]);
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const p = `layers.${i}.`;
    const linear = (name: string, out: number, inFeatures: number, bias = true) => {
      for (const [key, shape] of storedLinearShapes(index, `${p}${name}`, out, inFeatures, bias, c.quantization)) shapes.set(key, shape);
    };
    for (const proj of ["q_proj", "k_proj", "v_proj", "o_proj"]) linear(`self_attn.${proj}`, d, d, proj !== "k_proj");
    linear("mlp.fc1", c.intermediate_size, d);
    linear("mlp.fc2", d, c.intermediate_size);
    for (const norm of ["input_layernorm", "post_attention_layernorm"]) {
      shapes.set(`${p}${norm}.weight`, [d]);
      shapes.set(`${p}${norm}.bias`, [d]);
    }
  }
  return shapes;
}

function configFromShapes(index: CheckpointIndex, base: WhisperRopeEncoderConfig): WhisperRopeEncoderConfig {
  const n = "GLM-ASR encoder";
  const [d, mel] = shapeOf(index, "conv1.weight", n) as [number, number];
  const [ffn] = shapeOf(index, "layers.0.mlp.fc1.weight", n) as [number];
  return { ...base, hidden_size: d, num_mel_bins: mel, intermediate_size: ffn, num_hidden_layers: countIndexed(index, /^layers\.(\d+)\./) };
}

export function whisperRopeEncoderParameters(c: WhisperRopeEncoderConfig): number {
  const d = c.hidden_size;
  const stem = d * c.num_mel_bins * KERNEL + d + d * d * KERNEL + d;
  const layer = 4 * d * d + 3 * d + 2 * c.intermediate_size * d + c.intermediate_size + d + 4 * d;
  return stem + c.num_hidden_layers * layer + 2 * d;
}

/** Bytes of the largest float32 step on one window: a layer's activations and its attention scores. */
function peakBytes(c: WhisperRopeEncoderConfig, frames: number): number {
  const windows = Math.max(1, Math.ceil(frames / windowFeatureFrames(c)));
  const n = c.max_position_embeddings;
  return 4 * windows * (n * (6 * c.hidden_size + 2 * c.intermediate_size) + c.num_attention_heads * n * n);
}

export class WhisperRopeEncoder implements AudioEncoder {
  private constructor(
    readonly config: WhisperRopeEncoderConfig,
    private readonly stem: ConvStem,
    private readonly layers: TransformerLayer[],
    private readonly norm: LayerNorm,
  ) {}

  get outputDim(): number {
    return this.config.hidden_size;
  }

  /** Loads `<dir>/config.json` and the weights beside it. */
  static load(dir: string): WhisperRopeEncoder {
    return loadNetworkFolder(WHISPER_ROPE_ENCODER, dir) as WhisperRopeEncoder;
  }

  /** Builds from canonical tensors (transformers' names, convolutions `[out, in, k]`). */
  static fromTensors(config: WhisperRopeEncoderConfig, take: (name: string) => Tensor, has: (name: string) => boolean = () => false): WhisperRopeEncoder {
    const picker = new TensorPicker(take, audioDtype());
    const get = (name: string) => picker.get(name);
    const eps = config.layer_norm_eps;
    const linear = (name: string, bias = true) => storedLinear(get, has, name, bias, config.quantization);
    const norm = (name: string) => new LayerNorm(get(`${name}.weight`), get(`${name}.bias`), eps);
    const conv = (name: string, stride: number) => ({ weight: picker.keep(get(`${name}.weight`).transpose(0, 2, 1)), bias: get(`${name}.bias`), stride, padding: 1 });
    const stem = new ConvStem([conv("conv1", 1), conv("conv2", 2)], "gelu");
    const rope = new Rope({ dims: rotaryDims(config), base: config.rope_theta, traditional: config.rope_interleaved });
    // Positions 0… in every window: each window is its own batch row.
    const transform = { name: rope.signature, apply: (q: Tensor, k: Tensor): [Tensor, Tensor] => [rope.apply(q, 0), rope.apply(k, 0)] };
    const heads = config.num_attention_heads;
    const layers = Array.from({ length: config.num_hidden_layers }, (_, i) => {
      const p = `layers.${i}.`;
      const attention = new SelfAttention(
        linear(`${p}self_attn.q_proj`),
        linear(`${p}self_attn.k_proj`, false),
        linear(`${p}self_attn.v_proj`),
        linear(`${p}self_attn.o_proj`),
        heads,
        heads,
        transform,
      );
      const ffn = new FeedForward(linear(`${p}mlp.fc1`), linear(`${p}mlp.fc2`), "gelu");
      return new TransformerLayer(attention, ffn, norm(`${p}input_layernorm`), norm(`${p}post_attention_layernorm`), true);
    });
    const encoder = new WhisperRopeEncoder(config, stem, layers, norm("norm"));
    picker.evaluate();
    return encoder;
  }

  /**
   * `features [B, T, mel]` (each member's windows of 2·max_position_embeddings frames
   * one after another, `lengths` valid frames) → `[B, N, d]`: every row of a member's
   * full windows, then its last window's rows (the valid ones counted in `lengths`).
   */
  encode(features: Tensor, lengths: readonly number[]): FrameBatch {
    const window = windowFeatureFrames(this.config);
    const perWindow = this.config.max_position_embeddings;
    const windowsOf = lengths.map((t) => Math.max(1, Math.ceil(t / window)));
    const total = features.shape[1]!;
    const windows = mx.concatenate(
      lengths.map((_, b) => {
        const frames = windowsOf[b]! * window;
        const member = features.index(b, mx.Slice(0, Math.min(frames, total)));
        const padded = frames > total ? mx.pad(member, [[0, frames - total], [0, 0]]) : member;
        return padded.reshape([windowsOf[b]!, window, features.shape[2]!]);
      }),
      0,
    );
    let h = this.stem.forward(windows.astype(audioDtype()));
    for (const layer of this.layers) h = layer.forward(h);
    h = this.norm.forward(h);
    const counts = lengths.map((t) => whisperRopeFrameCount(this.config, t));
    const longest = Math.max(...windowsOf) * perWindow;
    let first = 0;
    const members = windowsOf.map((n) => {
      const rows = h.index(mx.Slice(first, first + n)).reshape([n * perWindow, this.outputDim]);
      first += n;
      return n * perWindow === longest ? rows : mx.pad(rows, [[0, longest - n * perWindow], [0, 0]]);
    });
    const frames = members.length === 1 ? members[0]!.reshape([1, longest, this.outputDim]) : mx.stack(members, 0);
    return { frames, lengths: counts };
  }

  frameCount(featureFrames: number): number {
    return whisperRopeFrameCount(this.config, featureFrames);
  }
}

export const WHISPER_ROPE_ENCODER: NetworkDefinition<WhisperRopeEncoderConfig, WhisperRopeEncoder> = {
  title: "GLM-ASR encoder",
  schema: WhisperRopeEncoderConfigSchema,
  released: { "GLM-ASR-Nano-2512": GLM_ASR_NANO_AUDIO },
  layouts: LAYOUTS,
  tensors: (c, index) => whisperRopeEncoderTensors(c, index),
  configFromShapes,
  parameters: whisperRopeEncoderParameters,
  peakActivationBytes: peakBytes,
  outputFrames: whisperRopeFrameCount,
  build: (config, weights) => WhisperRopeEncoder.fromTensors(config, (name) => weights.take(name), (name) => weights.has(name)),
};
