/**
 * The FunASR-Qwen4B audio adaptor (OminiX `AudioAdaptorQwen4B`): input_proj →
 * N post-norm transformer layers (PyTorch `nn.TransformerEncoderLayer` defaults,
 * exact-erf GELU) → output_proj → LayerNorm. One LLM row per encoder frame.
 *
 * Reads the converted layout (`layers.N.{q,k,v,out}_proj`, `linear1/2` or
 * `ffn_linear1/2`, `norm1/2`) and the PyTorch layout
 * (`transformer.layers.N.self_attn.in_proj_weight`, …).
 */
import { z } from "zod";
import { MAX_LAYERS } from "../src/nn/config-bounds";
import { audioDtype } from "../src/engine/device";
import type { KeyLayout } from "../src/engine/key-layout";
import type { Tensor } from "../src/engine/mlx";
import { CheckpointIndex, TensorPicker } from "../src/engine/weights";
import { keyPaddingMask, SelfAttention } from "../src/nn/attention";
import { FeedForward } from "../src/nn/feed-forward";
import { Linear } from "../src/nn/linear";
import { loadNetworkFolder, type NetworkDefinition } from "../src/nn/network";
import { LayerNorm } from "../src/nn/norm";
import type { AdaptedAudio, AudioAdaptor } from "../src/nn/parts";
import { countIndexed, shapeOf } from "../src/nn/shapes";
import { TransformerLayer } from "../src/nn/transformer-layer";

export const Qwen4bAdaptorConfigSchema = z.object({
  input_dim: z.number().int().positive(),
  hidden_dim: z.number().int().positive(),
  output_dim: z.number().int().positive(),
  num_layers: z.number().int().min(0).max(MAX_LAYERS),
  num_heads: z.number().int().positive(),
  ffn_dim: z.number().int().positive(),
  activation: z.enum(["gelu", "relu"]).default("gelu"),
  norm_first: z.boolean().default(false),
  layer_norm_eps: z.number().positive().default(1e-5),
  dropout: z.number().optional(),
});
export type Qwen4bAdaptorConfig = z.output<typeof Qwen4bAdaptorConfigSchema>;

/** OminiX's AudioAdaptorQwen4B as released: 512 → 2048 (4 post-norm layers, 8 heads, FFN 8192) → 2560. */
export const QWEN4B_ADAPTOR_RELEASE: Qwen4bAdaptorConfig = Qwen4bAdaptorConfigSchema.parse({
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

const PYTORCH_LAYOUT: KeyLayout = {
  name: "pytorch",
  detect: (index) => index.has("transformer.layers.0.self_attn.in_proj_weight"),
  rules: [
    { match: /^transformer\.layers\.(\d+)\.self_attn\.out_proj\./, rename: "layers.$1.out_proj." },
    { match: /^transformer\.layers\./, rename: "layers." },
    { match: /^layers\.(\d+)\.self_attn\.in_proj_weight$/, split: ["layers.$1.q_proj.weight", "layers.$1.k_proj.weight", "layers.$1.v_proj.weight"], axis: 0 },
    { match: /^layers\.(\d+)\.self_attn\.in_proj_bias$/, split: ["layers.$1.q_proj.bias", "layers.$1.k_proj.bias", "layers.$1.v_proj.bias"], axis: 0 },
  ],
};

const FFN_PREFIXED_LAYOUT: KeyLayout = {
  name: "converted (ffn_linear)",
  detect: (index) => index.has("layers.0.ffn_linear1.weight"),
  rules: [{ match: /\.ffn_linear([12])\./, rename: ".linear$1." }],
};

/** Names and shapes in the converted layout, or in PyTorch's (as OminiX's training code saves it). */
export function qwen4bAdaptorTensors(c: Qwen4bAdaptorConfig, layout: "converted" | "pytorch" = "converted"): Map<string, number[]> {
  const h = c.hidden_dim;
  const shapes = new Map<string, number[]>([
    ["input_proj.weight", [h, c.input_dim]],
    ["input_proj.bias", [h]],
    ["output_proj.weight", [c.output_dim, h]],
    ["output_proj.bias", [c.output_dim]],
    ["norm.weight", [c.output_dim]],
    ["norm.bias", [c.output_dim]],
  ]);
  for (let i = 0; i < c.num_layers; i++) {
    const p = layout === "pytorch" ? `transformer.layers.${i}.` : `layers.${i}.`;
    if (layout === "pytorch") {
      shapes.set(`${p}self_attn.in_proj_weight`, [3 * h, h]);
      shapes.set(`${p}self_attn.in_proj_bias`, [3 * h]);
      shapes.set(`${p}self_attn.out_proj.weight`, [h, h]);
      shapes.set(`${p}self_attn.out_proj.bias`, [h]);
    } else {
      for (const proj of ["q_proj", "k_proj", "v_proj", "out_proj"]) {
        shapes.set(`${p}${proj}.weight`, [h, h]);
        shapes.set(`${p}${proj}.bias`, [h]);
      }
    }
    shapes.set(`${p}linear1.weight`, [c.ffn_dim, h]);
    shapes.set(`${p}linear1.bias`, [c.ffn_dim]);
    shapes.set(`${p}linear2.weight`, [h, c.ffn_dim]);
    shapes.set(`${p}linear2.bias`, [h]);
    for (const n of ["norm1", "norm2"]) {
      shapes.set(`${p}${n}.weight`, [h]);
      shapes.set(`${p}${n}.bias`, [h]);
    }
  }
  return shapes;
}

function configFromShapes(index: CheckpointIndex, base: Qwen4bAdaptorConfig): Qwen4bAdaptorConfig {
  const c = "Qwen4B adaptor";
  const [hidden, input] = shapeOf(index, "input_proj.weight", c) as [number, number];
  const [output] = shapeOf(index, "output_proj.weight", c) as [number];
  const layers = countIndexed(index, /^layers\.(\d+)\./);
  const ffn = layers > 0 ? shapeOf(index, "layers.0.linear1.weight", c)[0]! : base.ffn_dim;
  return { ...base, input_dim: input, hidden_dim: hidden, output_dim: output, num_layers: layers, ffn_dim: ffn };
}

export function qwen4bAdaptorParameters(c: Qwen4bAdaptorConfig): number {
  const h = c.hidden_dim;
  const layer = 4 * h * h + 4 * h + 2 * c.ffn_dim * h + c.ffn_dim + h + 4 * h;
  return c.input_dim * h + h + c.num_layers * layer + h * c.output_dim + c.output_dim + 2 * c.output_dim;
}

function peakBytes(c: Qwen4bAdaptorConfig, frames: number): number {
  return 4 * (frames * (8 * c.hidden_dim + 2 * c.ffn_dim + 2 * c.output_dim) + c.num_heads * frames * frames);
}

export class Qwen4bAdaptor implements AudioAdaptor {
  private constructor(
    readonly config: Qwen4bAdaptorConfig,
    private readonly inputProj: Linear,
    private readonly layers: TransformerLayer[],
    private readonly outputProj: Linear,
    private readonly norm: LayerNorm,
  ) {}

  /** Builds from converted-layout tensors (`layers.N.q_proj`, `linear1` …). */
  static fromTensors(config: Qwen4bAdaptorConfig, take: (name: string) => Tensor): Qwen4bAdaptor {
    const picker = new TensorPicker(take, audioDtype());
    const linear = (name: string) => new Linear(picker.get(`${name}.weight`), picker.get(`${name}.bias`));
    const norm = (name: string) => new LayerNorm(picker.get(`${name}.weight`), picker.get(`${name}.bias`), config.layer_norm_eps);
    const layers = Array.from({ length: config.num_layers }, (_, i) => {
      const p = `layers.${i}.`;
      const attention = new SelfAttention(linear(`${p}q_proj`), linear(`${p}k_proj`), linear(`${p}v_proj`), linear(`${p}out_proj`), config.num_heads);
      const ffn = new FeedForward(linear(`${p}linear1`), linear(`${p}linear2`), config.activation);
      return new TransformerLayer(attention, ffn, norm(`${p}norm1`), norm(`${p}norm2`), config.norm_first);
    });
    const adaptor = new Qwen4bAdaptor(config, linear("input_proj"), layers, linear("output_proj"), norm("norm"));
    picker.evaluate();
    return adaptor;
  }

  get outputDim(): number {
    return this.config.output_dim;
  }

  /** Loads `<dir>/config.json` and the weights beside it (or `weightsFile`). */
  static load(dir: string, weightsFile?: string): Qwen4bAdaptor {
    return loadNetworkFolder(QWEN4B_ADAPTOR, dir, { weightsFile }) as Qwen4bAdaptor;
  }

  /** `[B, T, input_dim]` → `[B, T, output_dim]`; padded keys are masked when `lengths` is given. */
  forward(x: Tensor, lengths: readonly number[] | null = null): Tensor {
    const keyMask = keyPaddingMask(lengths, x.shape[1]!);
    let h = this.inputProj.forward(x);
    for (const layer of this.layers) h = layer.forward(h, keyMask);
    return this.norm.forward(this.outputProj.forward(h));
  }

  adapt(frames: Tensor, lengths: readonly number[]): AdaptedAudio {
    return { frames: this.forward(frames, lengths), lengths };
  }

  rowCount(encoderFrames: number): number {
    return encoderFrames;
  }
}

export const QWEN4B_ADAPTOR: NetworkDefinition<Qwen4bAdaptorConfig, Qwen4bAdaptor> = {
  title: "Qwen4B adaptor",
  schema: Qwen4bAdaptorConfigSchema,
  released: { "OminiX AudioAdaptorQwen4B": QWEN4B_ADAPTOR_RELEASE },
  layouts: [PYTORCH_LAYOUT, FFN_PREFIXED_LAYOUT],
  tensors: (c) => qwen4bAdaptorTensors(c),
  configFromShapes,
  parameters: qwen4bAdaptorParameters,
  peakActivationBytes: peakBytes,
  outputFrames: (_c, frames) => frames,
  build: (config, weights) => Qwen4bAdaptor.fromTensors(config, (name) => weights.take(name)),
};
