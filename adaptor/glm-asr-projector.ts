/**
 * GLM-ASR's projector (transformers `GlmAsrMultiModalProjector` after
 * `GlmAsrModel.get_audio_features`): each window's encoder rows merged 4 at a
 * time (frame-major, `[f4k | f4k+1 | f4k+2 | f4k+3]`), then `linear_2(gelu(linear_1 x))`
 * (exact GELU). Of a window of L2 valid rows it keeps ⌊(L2 − 4)/4⌋ + 1, so a
 * member's full windows give every merged row and its last window the valid ones;
 * the rows of all its windows follow one another. Stored by transformers as
 * `multi_modal_projector.linear_{1,2}`, by the original checkpoint as
 * `audio_encoder.adapting.{0,2}` (mlx-audio: `adapting.fc{1,2}`).
 */
import { z } from "zod";
import { audioDtype } from "../src/engine/device";
import type { KeyLayout } from "../src/engine/key-layout";
import { mx, type Tensor } from "../src/engine/mlx";
import { CheckpointIndex, TensorPicker } from "../src/engine/weights";
import { FeedForward } from "../src/nn/feed-forward";
import { callCompiled } from "../src/nn/module";
import { loadNetworkFolder, type NetworkDefinition } from "../src/nn/network";
import type { AdaptedAudio, AudioAdaptor } from "../src/nn/parts";
import { shapeOf } from "../src/nn/shapes";
import { storedLinear, storedLinearShapes } from "../src/nn/stored-linear";

export const GlmAsrProjectorConfigSchema = z.object({
  /** The encoder's width. */
  encoder_dim: z.number().int().positive(),
  /** Encoder rows merged into one (the processor's 4). */
  merge_factor: z.number().int().positive().default(4),
  /** Encoder rows of one window. */
  window_frames: z.number().int().positive().default(1500),
  /** linear_1's output width (2 × the LLM's width in the release). */
  hidden_size: z.number().int().positive(),
  /** The LLM's width. */
  output_dim: z.number().int().positive(),
  projector_hidden_act: z.literal("gelu").default("gelu"),
  /** mlx-community's copies: how their quantized layers are quantized. */
  quantization: z.object({ group_size: z.number().int().positive(), bits: z.number().int().positive() }).passthrough().optional(),
});
export type GlmAsrProjectorConfig = z.output<typeof GlmAsrProjectorConfigSchema>;

export const GLM_ASR_NANO_PROJECTOR: GlmAsrProjectorConfig = GlmAsrProjectorConfigSchema.parse({ encoder_dim: 1280, hidden_size: 4096, output_dim: 2048 });

/** The original checkpoint: the projector beside the encoder's tensors under `audio_encoder.`. */
const ORIGINAL_LAYOUT: KeyLayout = {
  name: "original GLM-ASR (audio_encoder.adapting)",
  detect: (index) => index.has("adapting.0.weight") || index.has("adapting.fc1.weight"),
  rules: [
    { match: /^(?!adapting\.)/, drop: true },
    { match: /^adapting\.(0|fc1)\./, rename: "linear_1." },
    { match: /^adapting\.(2|fc2)\./, rename: "linear_2." },
  ],
};

export function glmAsrProjectorTensors(c: GlmAsrProjectorConfig, index: CheckpointIndex = new CheckpointIndex([], new Map())): Map<string, number[]> {
  return new Map([
    ...storedLinearShapes(index, "linear_1", c.hidden_size, c.encoder_dim * c.merge_factor, true, c.quantization),
    ...storedLinearShapes(index, "linear_2", c.output_dim, c.hidden_size, true, c.quantization),
  ]);
}

function configFromShapes(index: CheckpointIndex, base: GlmAsrProjectorConfig): GlmAsrProjectorConfig {
  const n = "GLM-ASR projector";
  const [hidden] = shapeOf(index, "linear_1.bias", n) as [number];
  const [output] = shapeOf(index, "linear_2.bias", n) as [number];
  const [, stored] = shapeOf(index, "linear_1.weight", n) as [number, number];
  const input = index.has("linear_1.scales") && base.quantization ? (stored * 32) / base.quantization.bits : stored;
  return { ...base, encoder_dim: input / base.merge_factor, hidden_size: hidden, output_dim: output };
}

/** Rows kept of `encoderFrames` encoder rows laid out as full windows then the last one's valid rows. */
export function glmAsrRowCount(c: GlmAsrProjectorConfig, encoderFrames: number): number {
  const full = Math.floor(encoderFrames / c.window_frames);
  const rest = encoderFrames - full * c.window_frames;
  const lastRows = rest > 0 ? Math.max(0, Math.floor((rest - c.merge_factor) / c.merge_factor) + 1) : 0;
  return full * Math.floor(c.window_frames / c.merge_factor) + lastRows;
}

export class GlmAsrProjector implements AudioAdaptor {
  private constructor(
    readonly config: GlmAsrProjectorConfig,
    private readonly ffn: FeedForward,
  ) {}

  static fromTensors(config: GlmAsrProjectorConfig, take: (name: string) => Tensor, has: (name: string) => boolean = () => false): GlmAsrProjector {
    const picker = new TensorPicker(take, audioDtype());
    const linear = (name: string) => storedLinear((n) => picker.get(n), has, name, true, config.quantization);
    const projector = new GlmAsrProjector(config, new FeedForward(linear("linear_1"), linear("linear_2"), "gelu"));
    picker.evaluate();
    return projector;
  }

  /** Loads `<dir>/config.json` and the weights beside it. */
  static load(dir: string): GlmAsrProjector {
    return loadNetworkFolder(GLM_ASR_PROJECTOR, dir) as GlmAsrProjector;
  }

  get outputDim(): number {
    return this.config.output_dim;
  }

  /** `[B, T, encoder_dim]` (windows of `window_frames` rows one after another) → `[B, N, output_dim]`, zero past each member's rows. */
  adapt(frames: Tensor, lengths: readonly number[]): AdaptedAudio {
    const merge = this.config.merge_factor;
    const [b, t, d] = frames.shape as [number, number, number];
    // Windows hold a multiple of `merge` rows, so merging along the whole axis merges inside each window.
    const whole = Math.ceil(t / merge) * merge;
    const padded = whole > t ? mx.pad(frames, [[0, 0], [0, whole - t], [0, 0]]) : frames;
    const merged = padded.reshape([b, whole / merge, merge * d]).astype(audioDtype());
    const counts = lengths.map((n) => glmAsrRowCount(this.config, n));
    const longest = Math.max(...counts);
    const kept = merged.index(mx.Slice(), mx.Slice(0, longest));
    const out = callCompiled(this.ffn, [kept], ([x], p) => [this.ffn.call(x!, p)])[0]!;
    if (counts.every((n) => n === longest)) return { frames: out, lengths: counts };
    const valid = mx.less(mx.arange(longest, mx.int32).reshape([1, longest, 1]), mx.array(counts, mx.int32).reshape([b, 1, 1]));
    return { frames: mx.where(valid, out, 0), lengths: counts };
  }

  rowCount(encoderFrames: number): number {
    return glmAsrRowCount(this.config, encoderFrames);
  }
}

export const GLM_ASR_PROJECTOR: NetworkDefinition<GlmAsrProjectorConfig, GlmAsrProjector> = {
  title: "GLM-ASR projector",
  schema: GlmAsrProjectorConfigSchema,
  released: { "GLM-ASR-Nano-2512": GLM_ASR_NANO_PROJECTOR },
  layouts: [ORIGINAL_LAYOUT],
  tensors: (c, index) => glmAsrProjectorTensors(c, index),
  configFromShapes,
  parameters: (c) => c.encoder_dim * c.merge_factor * c.hidden_size + c.hidden_size + c.hidden_size * c.output_dim + c.output_dim,
  peakActivationBytes: (c, frames) => 4 * Math.ceil(frames / c.merge_factor) * (c.merge_factor * c.encoder_dim + c.hidden_size + c.output_dim),
  outputFrames: glmAsrRowCount,
  build: (config, weights) => GlmAsrProjector.fromTensors(config, (name) => weights.take(name), (name) => weights.has(name)),
};
