/**
 * Qwen3-ASR's projector: `proj2(gelu(proj1 x))` (exact GELU), one LLM row per
 * encoder frame (transformers `Qwen3ASRMultiModalProjector`). The release stores it
 * inside the audio tower (`thinker.audio_tower.proj1/proj2`), transformers as
 * `model.multi_modal_projector.linear_1/linear_2`, mlx-community as
 * `audio_tower.proj1/proj2`.
 */
import { z } from "zod";
import { audioDtype } from "../src/engine/device";
import type { KeyLayout } from "../src/engine/key-layout";
import { mx, type Tensor } from "../src/engine/mlx";
import { CheckpointIndex, TensorPicker } from "../src/engine/weights";
import { FeedForward } from "../src/nn/feed-forward";
import { Linear } from "../src/nn/linear";
import { callCompiled } from "../src/nn/module";
import { loadNetworkFolder, type NetworkDefinition } from "../src/nn/network";
import type { AdaptedAudio, AudioAdaptor } from "../src/nn/parts";
import { shapeOf } from "../src/nn/shapes";

/** The fields of the release's `audio_config` it reads: input width `d_model`, output width `output_dim`. */
export const Qwen3AsrProjectorConfigSchema = z.object({
  d_model: z.number().int().positive(),
  output_dim: z.number().int().positive(),
  activation_function: z.literal("gelu").default("gelu"),
});
export type Qwen3AsrProjectorConfig = z.output<typeof Qwen3AsrProjectorConfigSchema>;

export const QWEN3_ASR_0_6B_PROJECTOR: Qwen3AsrProjectorConfig = Qwen3AsrProjectorConfigSchema.parse({ d_model: 896, output_dim: 1024 });
export const QWEN3_ASR_1_7B_PROJECTOR: Qwen3AsrProjectorConfig = Qwen3AsrProjectorConfigSchema.parse({ d_model: 1024, output_dim: 2048 });

/** transformers' names (`linear_1`, `linear_2`). */
const TRANSFORMERS_LAYOUT: KeyLayout = {
  name: "transformers (multi_modal_projector)",
  detect: (index) => index.has("linear_1.weight"),
  rules: [{ match: /^linear_([12])\./, rename: "proj$1." }],
};

/** The release's (and mlx-community's) audio tower: the projector beside the encoder's tensors, which are not its own. */
const INSIDE_AUDIO_TOWER_LAYOUT: KeyLayout = {
  name: "inside the audio tower",
  detect: (index) => index.has("proj1.weight") && index.has("ln_post.weight"),
  rules: [{ match: /^(?!proj[12]\.)/, drop: true }],
};

export function qwen3AsrProjectorTensors(c: Qwen3AsrProjectorConfig): Map<string, number[]> {
  return new Map([
    ["proj1.weight", [c.d_model, c.d_model]],
    ["proj1.bias", [c.d_model]],
    ["proj2.weight", [c.output_dim, c.d_model]],
    ["proj2.bias", [c.output_dim]],
  ]);
}

function configFromShapes(index: CheckpointIndex, base: Qwen3AsrProjectorConfig): Qwen3AsrProjectorConfig {
  const [output, input] = shapeOf(index, "proj2.weight", "Qwen3-ASR projector") as [number, number];
  return { ...base, d_model: input, output_dim: output };
}

export class Qwen3AsrProjector implements AudioAdaptor {
  private constructor(
    readonly config: Qwen3AsrProjectorConfig,
    private readonly ffn: FeedForward,
  ) {}

  static fromTensors(config: Qwen3AsrProjectorConfig, take: (name: string) => Tensor): Qwen3AsrProjector {
    const picker = new TensorPicker(take, audioDtype());
    const linear = (name: string) => new Linear(picker.get(`${name}.weight`), picker.get(`${name}.bias`));
    const projector = new Qwen3AsrProjector(config, new FeedForward(linear("proj1"), linear("proj2"), "gelu"));
    picker.evaluate();
    return projector;
  }

  /** Loads `<dir>/config.json` and the weights beside it. */
  static load(dir: string): Qwen3AsrProjector {
    return loadNetworkFolder(QWEN3_ASR_PROJECTOR, dir) as Qwen3AsrProjector;
  }

  get outputDim(): number {
    return this.config.output_dim;
  }

  /** `[B, T, d_model]` → `[B, T, output_dim]`; rows past a member's length stay zero. */
  adapt(frames: Tensor, lengths: readonly number[]): AdaptedAudio {
    const out = callCompiled(this.ffn, [frames], ([x], p) => [this.ffn.call(x!, p)])[0]!;
    const longest = frames.shape[1]!;
    if (lengths.every((n) => n === longest)) return { frames: out, lengths };
    const valid = mx.less(mx.arange(longest, mx.int32).reshape([1, longest, 1]), mx.array([...lengths], mx.int32).reshape([lengths.length, 1, 1]));
    return { frames: mx.where(valid, out, 0), lengths };
  }

  rowCount(encoderFrames: number): number {
    return encoderFrames;
  }
}

export const QWEN3_ASR_PROJECTOR: NetworkDefinition<Qwen3AsrProjectorConfig, Qwen3AsrProjector> = {
  title: "Qwen3-ASR projector",
  schema: Qwen3AsrProjectorConfigSchema,
  released: { "Qwen3-ASR-0.6B": QWEN3_ASR_0_6B_PROJECTOR, "Qwen3-ASR-1.7B": QWEN3_ASR_1_7B_PROJECTOR },
  layouts: [TRANSFORMERS_LAYOUT, INSIDE_AUDIO_TOWER_LAYOUT],
  tensors: (c) => qwen3AsrProjectorTensors(c),
  configFromShapes,
  parameters: (c) => c.d_model * c.d_model + c.d_model + c.output_dim * c.d_model + c.output_dim,
  peakActivationBytes: (c, frames) => 4 * frames * (2 * c.d_model + c.output_dim),
  outputFrames: (_c, frames) => frames,
  build: (config, weights) => Qwen3AsrProjector.fromTensors(config, (name) => weights.take(name)),
};
