/**
 * The Fun-ASR-Nano adaptor (FunASR `Transformer` adaptor): optional frame
 * stacking, linear1 → ReLU → linear2, then pre-norm transformer blocks with
 * LayerNorm eps 1e-12 and ReLU FFN; only the first `fakeTokenLength(L)` frames
 * reach the LLM. spec/adaptor.md §B.
 */
import { join } from "node:path";
import { z } from "zod";
import { MAX_LAYERS } from "../src/models/config-bounds";
import { readConfig } from "../src/config";
import { ModelFileError } from "../src/errors";
import { audioDtype } from "../src/engine/device";
import { mx, type Tensor } from "../src/engine/mlx";
import { CheckpointIndex, expectTensors, findWeightFiles, loadCheckpoint, TensorPicker } from "../src/engine/weights";
import { relu } from "../src/nn/activations";
import { attend, keyPaddingMask, mergeHeads, splitHeads } from "../src/nn/attention";
import { Linear } from "../src/nn/linear";
import { LayerNorm } from "../src/nn/norm";
import { callCompiled, ParamCursor, paramsOf, signatureOf, type Module } from "../src/nn/module";

export const NanoAdaptorConfigSchema = z.object({
  audio_adaptor: z.literal("Transformer").default("Transformer"),
  audio_adaptor_conf: z.object({
    downsample_rate: z.number().int().positive().default(1),
    use_low_frame_rate: z.boolean().default(true),
    ffn_dim: z.number().int().positive(),
    llm_dim: z.number().int().positive(),
    encoder_dim: z.number().int().positive(),
    n_layer: z.number().int().min(0).max(MAX_LAYERS),
    attention_heads: z.number().int().positive().default(8),
  }),
  /** Hidden width of the blocks' FFN; the model fixes it at llm_dim / 4 (not a FunASR config key). */
  block_ffn_dim: z.number().int().positive().optional(),
  layer_norm_eps: z.number().positive().default(1e-12),
  checkpoint_key_prefix: z.string().default("audio_adaptor."),
});
export type NanoAdaptorConfig = z.output<typeof NanoAdaptorConfigSchema>;

/**
 * Number of adaptor frames the LLM sees for L LFR frames: FunASR's three
 * stride-2 length rules, `o1 = 1 + (L−1)//2`, `o2 = 1 + (o1−1)//2`, `(o2−1)//2 + 1`
 * (= ceil(L/8)); 0 for L = 0.
 */
export function fakeTokenLength(lfrFrames: number): number {
  if (lfrFrames <= 0) return 0;
  const o1 = 1 + Math.floor((lfrFrames - 3 + 2) / 2);
  const o2 = 1 + Math.floor((o1 - 3 + 2) / 2);
  return Math.floor((o2 - 1) / 2) + 1;
}

function blockFfnDim(c: NanoAdaptorConfig): number {
  return c.block_ffn_dim ?? Math.floor(c.audio_adaptor_conf.llm_dim / 4);
}

export function nanoAdaptorTensors(c: NanoAdaptorConfig): Map<string, number[]> {
  const a = c.audio_adaptor_conf;
  const f = blockFfnDim(c);
  const shapes = new Map<string, number[]>([
    ["linear1.weight", [a.ffn_dim, a.encoder_dim * a.downsample_rate]],
    ["linear1.bias", [a.ffn_dim]],
    ["linear2.weight", [a.llm_dim, a.ffn_dim]],
    ["linear2.bias", [a.llm_dim]],
  ]);
  for (let b = 0; b < a.n_layer; b++) {
    const p = `blocks.${b}.`;
    for (const proj of ["linear_q", "linear_k", "linear_v", "linear_out"]) {
      shapes.set(`${p}self_attn.${proj}.weight`, [a.llm_dim, a.llm_dim]);
      shapes.set(`${p}self_attn.${proj}.bias`, [a.llm_dim]);
    }
    shapes.set(`${p}feed_forward.w_1.weight`, [f, a.llm_dim]);
    shapes.set(`${p}feed_forward.w_1.bias`, [f]);
    shapes.set(`${p}feed_forward.w_2.weight`, [a.llm_dim, f]);
    shapes.set(`${p}feed_forward.w_2.bias`, [a.llm_dim]);
    for (const n of ["norm1", "norm2"]) {
      shapes.set(`${p}${n}.weight`, [a.llm_dim]);
      shapes.set(`${p}${n}.bias`, [a.llm_dim]);
    }
  }
  return shapes;
}

/** OminiX `funasr-nano-mlx` short names for the same tensors. */
const OMINIX_RENAMES: [RegExp, string][] = [
  [/\.attn\.q\./, ".self_attn.linear_q."],
  [/\.attn\.k\./, ".self_attn.linear_k."],
  [/\.attn\.v\./, ".self_attn.linear_v."],
  [/\.attn\.out\./, ".self_attn.linear_out."],
  [/\.ffn\.w1\./, ".feed_forward.w_1."],
  [/\.ffn\.w2\./, ".feed_forward.w_2."],
];

function canonicalKey(name: string): string {
  return OMINIX_RENAMES.reduce((n, [from, to]) => n.replace(from, to), name);
}

class NanoBlock implements Module {
  readonly params: readonly Tensor[];
  readonly signature: string;

  constructor(
    private readonly norm1: LayerNorm,
    private readonly q: Linear,
    private readonly k: Linear,
    private readonly v: Linear,
    private readonly out: Linear,
    private readonly norm2: LayerNorm,
    private readonly w1: Linear,
    private readonly w2: Linear,
    private readonly heads: number,
  ) {
    this.params = paramsOf(norm1, q, k, v, out, norm2, w1, w2);
    this.signature = signatureOf("nano-block", norm1, q, k, v, out, norm2, w1, w2, heads);
  }

  forward(x: Tensor, keyMask?: Tensor): Tensor {
    return callCompiled(this, keyMask ? [x, keyMask] : [x], ([input, mask], p) => [this.compute(input!, p, mask)])[0]!;
  }

  private compute(x: Tensor, p: ParamCursor, keyMask?: Tensor): Tensor {
    const h = this.norm1.call(x, p);
    const q = splitHeads(this.q.call(h, p), this.heads);
    const k = splitHeads(this.k.call(h, p), this.heads);
    const v = splitHeads(this.v.call(h, p), this.heads);
    // From the traced shapes, not from this instance: blocks of other widths share the compiled function.
    const scale = q.shape[3]! ** -0.5;
    const y = mx.add(x, this.out.call(mergeHeads(attend(q, k, v, scale, keyMask)), p));
    const normed = this.norm2.call(y, p);
    return mx.add(y, this.w2.call(relu(this.w1.call(normed, p)), p));
  }
}

export interface NanoAdaptorOutput {
  /** `[B, T', llm_dim]`, one frame per (stacked) encoder frame. */
  readonly frames: Tensor;
  /** Valid frames per row. */
  readonly lengths: number[];
  /** Frames per row the LLM receives (`fakeTokenLength` of the input length). */
  readonly llmLengths: number[];
}

export class NanoAdaptor {
  private constructor(
    readonly config: NanoAdaptorConfig,
    private readonly linear1: Linear,
    private readonly linear2: Linear,
    private readonly blocks: NanoBlock[],
  ) {}

  static fromTensors(config: NanoAdaptorConfig, t: Record<string, Tensor>): NanoAdaptor {
    const picker = new TensorPicker(t, audioDtype());
    const get = (name: string) => picker.get(name);
    const linear = (name: string) => new Linear(get(`${name}.weight`), get(`${name}.bias`));
    const norm = (name: string) => new LayerNorm(get(`${name}.weight`), get(`${name}.bias`), config.layer_norm_eps);
    const blocks = Array.from({ length: config.audio_adaptor_conf.n_layer }, (_, b) => {
      const p = `blocks.${b}.`;
      return new NanoBlock(
        norm(`${p}norm1`),
        linear(`${p}self_attn.linear_q`),
        linear(`${p}self_attn.linear_k`),
        linear(`${p}self_attn.linear_v`),
        linear(`${p}self_attn.linear_out`),
        norm(`${p}norm2`),
        linear(`${p}feed_forward.w_1`),
        linear(`${p}feed_forward.w_2`),
        config.audio_adaptor_conf.attention_heads,
      );
    });
    const adaptor = new NanoAdaptor(config, linear("linear1"), linear("linear2"), blocks);
    picker.evaluate();
    return adaptor;
  }

  /** Loads tensors under the config's prefix (FunASR names) or OminiX's `adaptor.` (short names). */
  static fromCheckpoint(config: NanoAdaptorConfig, index: CheckpointIndex): NanoAdaptor {
    const prefix = [config.checkpoint_key_prefix, "adaptor."].find((p) => index.withPrefix(p).entries.size > 0);
    if (prefix === undefined) {
      throw new ModelFileError("WEIGHTS_MISSING", index.label, `holds no Nano adaptor tensors under "${config.checkpoint_key_prefix}"`);
    }
    const scoped = index.withPrefix(prefix);
    const canonical = new CheckpointIndex(index.files, new Map([...scoped.entries].map(([n, e]) => [canonicalKey(n), e])));
    expectTensors(canonical, nanoAdaptorTensors(config), "Nano adaptor");
    const tensors: Record<string, Tensor> = {};
    for (const [name, tensor] of Object.entries(loadCheckpoint(index, prefix))) tensors[canonicalKey(name)] = tensor;
    return NanoAdaptor.fromTensors(config, tensors);
  }

  static load(dir: string): NanoAdaptor {
    const config = readConfig(join(dir, "config.json"), NanoAdaptorConfigSchema);
    return NanoAdaptor.fromCheckpoint(config, CheckpointIndex.fromFiles(findWeightFiles(dir)));
  }

  get outputDim(): number {
    return this.config.audio_adaptor_conf.llm_dim;
  }

  /** `encoderOut [B, T, encoder_dim]` with valid `lengths` → adaptor frames and the LLM's share. */
  forward(encoderOut: Tensor, lengths: readonly number[] | null = null): NanoAdaptorOutput {
    const [b, t, d] = encoderOut.shape as [number, number, number];
    const k = this.config.audio_adaptor_conf.downsample_rate;
    const inLengths = lengths ? [...lengths] : Array.from({ length: b }, () => t);
    let x = encoderOut;
    const chunks = Math.floor((t - 1) / k) + 1;
    if (k > 1) {
      if (chunks * k > t) x = mx.pad(x, [[0, 0], [0, chunks * k - t], [0, 0]]);
      x = x.reshape([b, chunks, d * k]);
    }
    const outLengths = inLengths.map((l) => Math.floor((l - 1) / k) + 1);
    let h = this.linear2.forward(relu(this.linear1.forward(x)));
    const keyMask = keyPaddingMask(lengths ? outLengths : null, chunks);
    for (const block of this.blocks) h = block.forward(h, keyMask);
    const llmLengths = this.config.audio_adaptor_conf.use_low_frame_rate ? inLengths.map(fakeTokenLength) : outLengths;
    return { frames: h, lengths: outLengths, llmLengths };
  }
}
