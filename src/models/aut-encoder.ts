/**
 * The AuT audio encoder of Qwen3-ASR (transformers `Qwen3ASREncoder`, QwenLM
 * `Qwen3ASRAudioEncoder`): log-mel frames cut into chunks of 2·n_window frames
 * (the last one zero-padded), each chunk an image [mel, time] through three 3×3
 * stride-2 convolutions with GELU, flattened channel-major (c·F' + f) and projected
 * by `conv_out` (no bias); sinusoidal positions restarting in every chunk; each
 * chunk's valid frames concatenated; pre-LN transformer layers whose attention
 * stays inside windows of (frames per chunk) × n_window_infer / (2·n_window)
 * frames from the utterance's start; `ln_post`. The projector (`proj1`/`proj2`),
 * stored inside the audio tower by the release, is its own network.
 */
import { z } from "zod";
import { audioDtype, backend } from "../engine/device";
import type { KeyLayout } from "../engine/key-layout";
import { mx, type Tensor } from "../engine/mlx";
import { CheckpointIndex, TensorPicker } from "../engine/weights";
import { SelfAttention, segmentedMask } from "../nn/attention";
import { MAX_LAYERS } from "../nn/config-bounds";
import { convOutputLength, ConvStem } from "../nn/conv-stem";
import { FeedForward } from "../nn/feed-forward";
import { Linear } from "../nn/linear";
import { loadNetworkFolder, type NetworkDefinition } from "../nn/network";
import { LayerNorm } from "../nn/norm";
import type { AudioEncoder, FrameBatch } from "../nn/parts";
import { sinusoidalPositions } from "../nn/positions";
import { countIndexed, shapeOf } from "../nn/shapes";
import { TransformerLayer } from "../nn/transformer-layer";

/** The release's `thinker_config.audio_config` (transformers: `audio_config`); other fields are ignored. */
export const AutEncoderConfigSchema = z.object({
  num_mel_bins: z.number().int().positive().default(128),
  d_model: z.number().int().positive(),
  encoder_layers: z.number().int().min(1).max(MAX_LAYERS),
  encoder_attention_heads: z.number().int().positive(),
  encoder_ffn_dim: z.number().int().positive(),
  /** Channels of the convolutions. */
  downsample_hidden_size: z.number().int().positive(),
  /** Half the frames of a chunk. */
  n_window: z.number().int().positive().max(10_000).default(50),
  /** Frames of an attention window before the convolutions. */
  n_window_infer: z.number().int().positive().max(1_000_000).default(800),
  /** Chunks convolved at once (bounds the stem's memory). */
  conv_chunksize: z.number().int().positive().default(500),
  activation_function: z.literal("gelu").default("gelu"),
  scale_embedding: z.literal(false).default(false),
  layer_norm_eps: z.number().positive().default(1e-5),
});
export type AutEncoderConfig = z.output<typeof AutEncoderConfigSchema>;

/** Qwen/Qwen3-ASR-0.6B's audio tower. */
export const QWEN3_ASR_0_6B_AUDIO: AutEncoderConfig = AutEncoderConfigSchema.parse({
  d_model: 896,
  encoder_layers: 18,
  encoder_attention_heads: 14,
  encoder_ffn_dim: 3584,
  downsample_hidden_size: 480,
});

/** Qwen/Qwen3-ASR-1.7B's audio tower. */
export const QWEN3_ASR_1_7B_AUDIO: AutEncoderConfig = AutEncoderConfigSchema.parse({
  d_model: 1024,
  encoder_layers: 24,
  encoder_attention_heads: 16,
  encoder_ffn_dim: 4096,
  downsample_hidden_size: 480,
});

const KERNEL = 3;
const STRIDE = 2;
const PADDING = 1;
const CONVOLUTIONS = 3;

/** Output length of the three stride-2 convolutions along one axis. */
function stemLength(length: number): number {
  let n = length;
  for (let i = 0; i < CONVOLUTIONS; i++) n = convOutputLength(n, KERNEL, STRIDE, PADDING);
  return n;
}

function chunkFrames(c: AutEncoderConfig): number {
  return 2 * c.n_window;
}

/** Encoder frames of `featureFrames` mel frames (transformers `_get_feat_extract_output_lengths`). */
export function autFrameCount(c: AutEncoderConfig, featureFrames: number): number {
  const chunk = chunkFrames(c);
  const rest = featureFrames % chunk;
  return Math.floor(featureFrames / chunk) * stemLength(chunk) + (rest > 0 ? stemLength(rest) : 0);
}

/** Frames of an attention window for an utterance of `featureFrames` (transformers `get_audio_cu_seqlens`). */
function windowFrames(c: AutEncoderConfig, featureFrames: number): number {
  const chunk = chunkFrames(c);
  const perChunk = featureFrames >= chunk ? stemLength(chunk) : stemLength(featureFrames);
  return perChunk * Math.max(1, Math.floor(c.n_window_infer / chunk));
}

/** mlx-community's copies store the convolutions channels-last (`[out, kh, kw, in]`, mlx-audio's `sanitize`). */
const CHANNELS_LAST_LAYOUT: KeyLayout = {
  name: "channels-last convolutions (mlx-community)",
  detect: (index) => {
    const shape = index.entries.get("conv2d1.weight")?.shape;
    return shape !== undefined && shape.length === 4 && shape[3] === 1 && shape[1] !== 1;
  },
  rules: [{ match: /^conv2d\d\.weight$/, permute: [0, 3, 1, 2] }],
};

/** Names and shapes (PyTorch layout, the release's names without `thinker.audio_tower.`). */
export function autEncoderTensors(c: AutEncoderConfig): Map<string, number[]> {
  const ch = c.downsample_hidden_size;
  const d = c.d_model;
  const shapes = new Map<string, number[]>([
    ["conv2d1.weight", [ch, 1, KERNEL, KERNEL]],
    ["conv2d1.bias", [ch]],
    ["conv2d2.weight", [ch, ch, KERNEL, KERNEL]],
    ["conv2d2.bias", [ch]],
    ["conv2d3.weight", [ch, ch, KERNEL, KERNEL]],
    ["conv2d3.bias", [ch]],
    ["conv_out.weight", [d, ch * stemLength(c.num_mel_bins)]],
    ["ln_post.weight", [d]],
    ["ln_post.bias", [d]],
  ]);
  for (let i = 0; i < c.encoder_layers; i++) {
    const p = `layers.${i}.`;
    for (const proj of ["q_proj", "k_proj", "v_proj", "out_proj"]) {
      shapes.set(`${p}self_attn.${proj}.weight`, [d, d]);
      shapes.set(`${p}self_attn.${proj}.bias`, [d]);
    }
    shapes.set(`${p}fc1.weight`, [c.encoder_ffn_dim, d]);
    shapes.set(`${p}fc1.bias`, [c.encoder_ffn_dim]);
    shapes.set(`${p}fc2.weight`, [d, c.encoder_ffn_dim]);
    shapes.set(`${p}fc2.bias`, [d]);
    for (const norm of ["self_attn_layer_norm", "final_layer_norm"]) {
      shapes.set(`${p}${norm}.weight`, [d]);
      shapes.set(`${p}${norm}.bias`, [d]);
    }
  }
  return shapes;
}

function configFromShapes(index: CheckpointIndex, base: AutEncoderConfig): AutEncoderConfig {
  const n = "AuT encoder";
  const [d] = shapeOf(index, "ln_post.weight", n) as [number];
  const [channels] = shapeOf(index, "conv2d1.weight", n) as [number];
  const [ffn] = shapeOf(index, "layers.0.fc1.weight", n) as [number];
  return { ...base, d_model: d, downsample_hidden_size: channels, encoder_ffn_dim: ffn, encoder_layers: countIndexed(index, /^layers\.(\d+)\./) };
}

export function autEncoderParameters(c: AutEncoderConfig): number {
  const ch = c.downsample_hidden_size;
  const d = c.d_model;
  const stem = ch * KERNEL * KERNEL + ch + 2 * (ch * ch * KERNEL * KERNEL + ch) + d * ch * stemLength(c.num_mel_bins);
  const layer = 4 * (d * d + d) + 2 * c.encoder_ffn_dim * d + c.encoder_ffn_dim + d + 4 * d;
  return stem + c.encoder_layers * layer + 2 * d;
}

/** Bytes of the largest float32 step: the first convolution's output over the chunks convolved at once, or a layer. */
function peakBytes(c: AutEncoderConfig, frames: number): number {
  const chunk = chunkFrames(c);
  const chunks = Math.min(Math.ceil(frames / chunk), c.conv_chunksize);
  const firstConv = chunks * convOutputLength(c.num_mel_bins, KERNEL, STRIDE, PADDING) * convOutputLength(chunk, KERNEL, STRIDE, PADDING) * c.downsample_hidden_size;
  const n = autFrameCount(c, frames);
  const layer = n * (6 * c.d_model + 2 * c.encoder_ffn_dim) + c.encoder_attention_heads * n * n;
  return 4 * Math.max(2 * firstConv, layer);
}

export class AutEncoder implements AudioEncoder {
  private readonly positions: Tensor;

  private constructor(
    readonly config: AutEncoderConfig,
    private readonly stem: ConvStem,
    private readonly convOut: Linear,
    private readonly layers: TransformerLayer[],
    private readonly lnPost: LayerNorm,
  ) {
    this.positions = sinusoidalPositions(stemLength(chunkFrames(config)), config.d_model, 0);
  }

  get outputDim(): number {
    return this.config.d_model;
  }

  /** Loads `<dir>/config.json` and the weights beside it. */
  static load(dir: string): AutEncoder {
    return loadNetworkFolder(AUT_ENCODER, dir) as AutEncoder;
  }

  /** Builds from canonical tensors (the release's names, convolutions `[out, in, kh, kw]`). */
  static fromTensors(config: AutEncoderConfig, take: (name: string) => Tensor): AutEncoder {
    const picker = new TensorPicker(take, audioDtype());
    const get = (name: string) => picker.get(name);
    const eps = config.layer_norm_eps;
    const linear = (name: string) => new Linear(get(`${name}.weight`), get(`${name}.bias`));
    const norm = (name: string) => new LayerNorm(get(`${name}.weight`), get(`${name}.bias`), eps);
    const conv = (name: string) => ({
      weight: picker.keep(get(`${name}.weight`).transpose(0, 2, 3, 1)),
      bias: get(`${name}.bias`),
      stride: STRIDE,
      padding: PADDING,
    });
    const stem = new ConvStem([conv("conv2d1"), conv("conv2d2"), conv("conv2d3")], "gelu");
    const convOut = new Linear(get("conv_out.weight"));
    const layers = Array.from({ length: config.encoder_layers }, (_, i) => {
      const p = `layers.${i}.`;
      const attention = new SelfAttention(linear(`${p}self_attn.q_proj`), linear(`${p}self_attn.k_proj`), linear(`${p}self_attn.v_proj`), linear(`${p}self_attn.out_proj`), config.encoder_attention_heads);
      const ffn = new FeedForward(linear(`${p}fc1`), linear(`${p}fc2`), "gelu");
      return new TransformerLayer(attention, ffn, norm(`${p}self_attn_layer_norm`), norm(`${p}final_layer_norm`), true);
    });
    const encoder = new AutEncoder(config, stem, convOut, layers, norm("ln_post"));
    picker.evaluate();
    return encoder;
  }

  /**
   * `features [B, T, mel]` (right-padded, `lengths` valid frames each) → `[B, N, d]`
   * after `ln_post`, rows past a member's frame count zero. Each member is encoded
   * from its valid frames alone, so batched rows equal the lone runs.
   */
  encode(features: Tensor, lengths: readonly number[]): FrameBatch {
    const chunk = chunkFrames(this.config);
    const counts = lengths.map((t) => autFrameCount(this.config, t));
    const chunksOf = lengths.map((t) => Math.ceil(t / chunk));
    const chunks = mx.concatenate(
      lengths.map((t, b) => {
        const member = features.index(b, mx.Slice(0, t));
        const padded = mx.pad(member, [[0, chunksOf[b]! * chunk - t], [0, 0]]);
        return padded.reshape([chunksOf[b]!, chunk, features.shape[2]!]);
      }),
      0,
    );
    const embedded = this.embedChunks(chunks);
    const perChunk = embedded.shape[1]!;
    let first = 0;
    const members = counts.map((n, b) => {
      const rows = embedded.index(mx.Slice(first, first + chunksOf[b]!)).reshape([chunksOf[b]! * perChunk, this.outputDim]);
      first += chunksOf[b]!;
      return rows.index(mx.Slice(0, n));
    });
    const windows = counts.flatMap((n, b) => windowSizes(n, windowFrames(this.config, lengths[b]!)));
    const mask = segmentedMask(windows);
    let h = (members.length === 1 ? members[0]! : mx.concatenate(members, 0)).reshape([1, -1, this.outputDim]);
    for (const layer of this.layers) h = layer.forward(h, mask);
    h = this.lnPost.forward(h);
    return { frames: unpack(h.index(0), counts), lengths: counts };
  }

  /** `[chunks, chunk, mel]` → `[chunks, frames per chunk, d]`: convolutions, `conv_out`, positions. */
  private embedChunks(chunks: Tensor): Tensor {
    const [count, chunk, mel] = chunks.shape as [number, number, number];
    const images = chunks.transpose(0, 2, 1).reshape([count, mel, chunk, 1]);
    const groups: Tensor[] = [];
    // On the CPU one chunk at a time: the stem's buffers (the second convolution's patches are
    // 14 MB a chunk) then stay under the C heap's mmap threshold and are reused from chunk to
    // chunk instead of faulted in afresh (30 s: 0.59 s for the stem, against 1.06 s for all at once).
    const perGroup = backend() === "cpu" ? 1 : this.config.conv_chunksize;
    for (let start = 0; start < count; start += perGroup) {
      const convolved = this.stem.forward(images.index(mx.Slice(start, Math.min(count, start + perGroup))));
      const [n, freq, time, channels] = convolved.shape as [number, number, number, number];
      groups.push(convolved.transpose(0, 2, 3, 1).reshape([n, time, channels * freq]));
    }
    // One product over every chunk: conv_out's 27 MB matrix read once, not once a chunk.
    const flat = groups.length === 1 ? groups[0]! : mx.concatenate(groups, 0);
    return mx.add(this.convOut.forward(flat), this.positions);
  }

  frameCount(featureFrames: number): number {
    return autFrameCount(this.config, featureFrames);
  }
}

/** `frames` cut into windows of `window` (the last one shorter). */
function windowSizes(frames: number, window: number): number[] {
  const sizes: number[] = [];
  for (let start = 0; start < frames; start += window) sizes.push(Math.min(window, frames - start));
  return sizes;
}

/** Packed rows `[ΣN, d]` → `[B, max N, d]`, zero past each member's count. */
function unpack(packed: Tensor, counts: readonly number[]): Tensor {
  if (counts.length === 1) return packed.reshape([1, ...packed.shape]);
  const longest = Math.max(...counts);
  let first = 0;
  const rows = counts.map((n) => {
    const member = packed.index(mx.Slice(first, first + n));
    first += n;
    return mx.pad(member, [[0, longest - n], [0, 0]]);
  });
  return mx.stack(rows, 0);
}

export const AUT_ENCODER: NetworkDefinition<AutEncoderConfig, AutEncoder> = {
  title: "AuT encoder",
  schema: AutEncoderConfigSchema,
  released: { "Qwen3-ASR-0.6B": QWEN3_ASR_0_6B_AUDIO, "Qwen3-ASR-1.7B": QWEN3_ASR_1_7B_AUDIO },
  layouts: [CHANNELS_LAST_LAYOUT],
  tensors: (c) => autEncoderTensors(c),
  /** The release keeps the projector inside the audio tower. */
  ignores: (name) => /^proj[12]\./.test(name),
  configFromShapes,
  parameters: autEncoderParameters,
  peakActivationBytes: peakBytes,
  outputFrames: autFrameCount,
  build: (config, weights) => AutEncoder.fromTensors(config, (name) => weights.take(name)),
};
