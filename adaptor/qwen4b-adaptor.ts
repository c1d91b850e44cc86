/**
 * The FunASR-Qwen4B audio adaptor (OminiX `AudioAdaptorQwen4B`): input_proj →
 * N post-norm transformer layers (PyTorch `nn.TransformerEncoderLayer` defaults,
 * exact-erf GELU) → output_proj → LayerNorm. spec/adaptor.md §A.
 *
 * Loads the converted layout (`layers.N.{q,k,v,out}_proj`, `linear1/2` or
 * `ffn_linear1/2`, `norm1/2`) and the PyTorch layout
 * (`transformer.layers.N.self_attn.in_proj_weight`, …).
 */
import { join } from "node:path";
import { z } from "zod";
import { MAX_LAYERS } from "../src/models/config-bounds";
import { readConfig } from "../src/config";
import { audioDtype } from "../src/engine/device";
import { mx, type Tensor } from "../src/engine/mlx";
import { CheckpointIndex, expectTensors, findWeightFiles, loadCheckpoint, TensorPicker } from "../src/engine/weights";
import { gelu, relu } from "../src/nn/activations";
import { attend, keyPaddingMask, mergeHeads, splitHeads } from "../src/nn/attention";
import { Linear } from "../src/nn/linear";
import { LayerNorm } from "../src/nn/norm";
import { callCompiled, ParamCursor, paramsOf, signatureOf, type Module } from "../src/nn/module";

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

export type AdaptorLayout = "converted" | "pytorch";

/** Expected tensors of a layout. The converted layout's FFN may be named `linear1` or `ffn_linear1`. */
export function qwen4bAdaptorTensors(c: Qwen4bAdaptorConfig, layout: AdaptorLayout, ffnPrefix = "linear"): Map<string, number[]> {
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
    if (layout === "pytorch") {
      const p = `transformer.layers.${i}.`;
      shapes.set(`${p}self_attn.in_proj_weight`, [3 * h, h]);
      shapes.set(`${p}self_attn.in_proj_bias`, [3 * h]);
      shapes.set(`${p}self_attn.out_proj.weight`, [h, h]);
      shapes.set(`${p}self_attn.out_proj.bias`, [h]);
      shapes.set(`${p}linear1.weight`, [c.ffn_dim, h]);
      shapes.set(`${p}linear1.bias`, [c.ffn_dim]);
      shapes.set(`${p}linear2.weight`, [h, c.ffn_dim]);
      shapes.set(`${p}linear2.bias`, [h]);
      for (const n of ["norm1", "norm2"]) {
        shapes.set(`${p}${n}.weight`, [h]);
        shapes.set(`${p}${n}.bias`, [h]);
      }
    } else {
      const p = `layers.${i}.`;
      for (const proj of ["q_proj", "k_proj", "v_proj", "out_proj"]) {
        shapes.set(`${p}${proj}.weight`, [h, h]);
        shapes.set(`${p}${proj}.bias`, [h]);
      }
      shapes.set(`${p}${ffnPrefix}1.weight`, [c.ffn_dim, h]);
      shapes.set(`${p}${ffnPrefix}1.bias`, [c.ffn_dim]);
      shapes.set(`${p}${ffnPrefix}2.weight`, [h, c.ffn_dim]);
      shapes.set(`${p}${ffnPrefix}2.bias`, [h]);
      for (const n of ["norm1", "norm2"]) {
        shapes.set(`${p}${n}.weight`, [h]);
        shapes.set(`${p}${n}.bias`, [h]);
      }
    }
  }
  return shapes;
}

/** Converts PyTorch-layout tensors to the converted layout (splitting in_proj rows q, k, v). */
export function pytorchToConverted(c: Qwen4bAdaptorConfig, t: Record<string, Tensor>): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const name of ["input_proj", "output_proj", "norm"]) {
    out[`${name}.weight`] = t[`${name}.weight`]!;
    out[`${name}.bias`] = t[`${name}.bias`]!;
  }
  for (let i = 0; i < c.num_layers; i++) {
    const src = `transformer.layers.${i}.`;
    const dst = `layers.${i}.`;
    const [qw, kw, vw] = mx.split(t[`${src}self_attn.in_proj_weight`]!, 3, 0) as [Tensor, Tensor, Tensor];
    const [qb, kb, vb] = mx.split(t[`${src}self_attn.in_proj_bias`]!, 3, 0) as [Tensor, Tensor, Tensor];
    Object.assign(out, {
      [`${dst}q_proj.weight`]: qw,
      [`${dst}q_proj.bias`]: qb,
      [`${dst}k_proj.weight`]: kw,
      [`${dst}k_proj.bias`]: kb,
      [`${dst}v_proj.weight`]: vw,
      [`${dst}v_proj.bias`]: vb,
      [`${dst}out_proj.weight`]: t[`${src}self_attn.out_proj.weight`]!,
      [`${dst}out_proj.bias`]: t[`${src}self_attn.out_proj.bias`]!,
    });
    for (const n of ["linear1", "linear2", "norm1", "norm2"]) {
      out[`${dst}${n}.weight`] = t[`${src}${n}.weight`]!;
      out[`${dst}${n}.bias`] = t[`${src}${n}.bias`]!;
    }
  }
  return out;
}

class AdaptorLayer implements Module {
  readonly params: readonly Tensor[];
  readonly signature: string;

  constructor(
    private readonly q: Linear,
    private readonly k: Linear,
    private readonly v: Linear,
    private readonly out: Linear,
    private readonly linear1: Linear,
    private readonly linear2: Linear,
    private readonly norm1: LayerNorm,
    private readonly norm2: LayerNorm,
    private readonly heads: number,
    private readonly normFirst: boolean,
    private readonly activation: "gelu" | "relu",
  ) {
    // The order in which `compute` reads them: pre-norm reads norm1 first, post-norm after attention.
    this.params = normFirst ? paramsOf(norm1, q, k, v, out, norm2, linear1, linear2) : paramsOf(q, k, v, out, norm1, linear1, linear2, norm2);
    this.signature = signatureOf("qwen4b-adaptor-layer", q, k, v, out, linear1, linear2, norm1, norm2, heads, normFirst, activation);
  }

  forward(x: Tensor, keyMask?: Tensor): Tensor {
    return callCompiled(this, keyMask ? [x, keyMask] : [x], ([input, mask], p) => [this.compute(input!, p, mask)])[0]!;
  }

  private selfAttention(x: Tensor, p: ParamCursor, keyMask?: Tensor): Tensor {
    const q = splitHeads(this.q.call(x, p), this.heads);
    const k = splitHeads(this.k.call(x, p), this.heads);
    const v = splitHeads(this.v.call(x, p), this.heads);
    // From the traced shapes, not from this instance: layers of other widths share the compiled function.
    const scale = q.shape[3]! ** -0.5;
    return this.out.call(mergeHeads(attend(q, k, v, scale, keyMask)), p);
  }

  private feedForward(x: Tensor, p: ParamCursor): Tensor {
    const hidden = this.linear1.call(x, p);
    return this.linear2.call(this.activation === "gelu" ? gelu(hidden) : relu(hidden), p);
  }

  private compute(x: Tensor, p: ParamCursor, keyMask?: Tensor): Tensor {
    if (this.normFirst) {
      const y = mx.add(x, this.selfAttention(this.norm1.call(x, p), p, keyMask));
      return mx.add(y, this.feedForward(this.norm2.call(y, p), p));
    }
    const y = this.norm1.call(mx.add(x, this.selfAttention(x, p, keyMask)), p);
    return this.norm2.call(mx.add(y, this.feedForward(y, p)), p);
  }
}

export class Qwen4bAdaptor {
  private constructor(
    readonly config: Qwen4bAdaptorConfig,
    private readonly inputProj: Linear,
    private readonly layers: AdaptorLayer[],
    private readonly outputProj: Linear,
    private readonly norm: LayerNorm,
  ) {}

  /** Builds from converted-layout tensors (`layers.N.q_proj`, `linear1` …). */
  static fromTensors(config: Qwen4bAdaptorConfig, t: Record<string, Tensor>): Qwen4bAdaptor {
    const picker = new TensorPicker(t, audioDtype());
    const get = (name: string) => picker.get(name, name.replace(/\.linear([12])\./, ".ffn_linear$1."));
    const linear = (name: string) => new Linear(get(`${name}.weight`), get(`${name}.bias`));
    const eps = config.layer_norm_eps;
    const norm = (name: string) => new LayerNorm(get(`${name}.weight`), get(`${name}.bias`), eps);
    const layers = Array.from({ length: config.num_layers }, (_, i) => {
      const p = `layers.${i}.`;
      return new AdaptorLayer(
        linear(`${p}q_proj`),
        linear(`${p}k_proj`),
        linear(`${p}v_proj`),
        linear(`${p}out_proj`),
        linear(`${p}linear1`),
        linear(`${p}linear2`),
        norm(`${p}norm1`),
        norm(`${p}norm2`),
        config.num_heads,
        config.norm_first,
        config.activation,
      );
    });
    const adaptor = new Qwen4bAdaptor(config, linear("input_proj"), layers, linear("output_proj"), norm("norm"));
    picker.evaluate();
    return adaptor;
  }

  /** Detects the layout from the tensor names, checks names and shapes, loads. */
  static fromCheckpoint(config: Qwen4bAdaptorConfig, index: CheckpointIndex): Qwen4bAdaptor {
    const layout: AdaptorLayout = index.has("transformer.layers.0.self_attn.in_proj_weight") ? "pytorch" : "converted";
    const ffnPrefix = layout === "converted" && index.has("layers.0.ffn_linear1.weight") ? "ffn_linear" : "linear";
    expectTensors(index, qwen4bAdaptorTensors(config, layout, ffnPrefix), "Qwen4B adaptor");
    const raw = loadCheckpoint(index);
    return Qwen4bAdaptor.fromTensors(config, layout === "pytorch" ? pytorchToConverted(config, raw) : raw);
  }

  /** Loads `<dir>/config.json` and the weights beside it. */
  static load(dir: string, weightsFile?: string): Qwen4bAdaptor {
    const config = readConfig(join(dir, "config.json"), Qwen4bAdaptorConfigSchema);
    const files = weightsFile ? [join(dir, weightsFile)] : findWeightFiles(dir);
    return Qwen4bAdaptor.fromCheckpoint(config, CheckpointIndex.fromFiles(files));
  }

  get outputDim(): number {
    return this.config.output_dim;
  }

  /** `[B, T, input_dim]` → `[B, T, output_dim]`; padded keys are masked when `lengths` is given. */
  forward(x: Tensor, lengths: readonly number[] | null = null): Tensor {
    const keyMask = keyPaddingMask(lengths, x.shape[1]!);
    let h = this.inputProj.forward(x);
    for (const layer of this.layers) h = layer.forward(h, keyMask);
    return this.norm.forward(this.outputProj.forward(h));
  }
}
