/**
 * The Fun-ASR-Nano adaptor (FunASR `funasr/models/llm_asr/adaptor.py`, class
 * `Transformer`): optional frame stacking, linear1 → ReLU → linear2, then pre-norm
 * transformer blocks with LayerNorm eps 1e-12 and ReLU FFN; only the first
 * `fakeTokenLength(L)` frames reach the LLM.
 */
import { z } from "zod";
import { MAX_LAYERS } from "../src/nn/config-bounds";
import { audioDtype } from "../src/engine/device";
import type { KeyLayout } from "../src/engine/key-layout";
import { mx, type Tensor } from "../src/engine/mlx";
import { CheckpointIndex, TensorPicker } from "../src/engine/weights";
import { relu } from "../src/nn/activations";
import { keyPaddingMask, SelfAttention } from "../src/nn/attention";
import { FeedForward } from "../src/nn/feed-forward";
import { Linear } from "../src/nn/linear";
import { loadNetworkFolder, type NetworkDefinition } from "../src/nn/network";
import { LayerNorm } from "../src/nn/norm";
import type { AdaptedAudio, AudioAdaptor } from "../src/nn/parts";
import { countIndexed, shapeOf } from "../src/nn/shapes";
import { TransformerLayer } from "../src/nn/transformer-layer";

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
  /** Where a checkpoint of ours keeps the adaptor's tensors. */
  checkpoint_key_prefix: z.string().default("audio_adaptor."),
});
export type NanoAdaptorConfig = z.output<typeof NanoAdaptorConfigSchema>;

/** Fun-ASR-Nano-2512's adaptor: 512 → 2048 → 1024, 2 blocks, 8 heads, block FFN 256. */
export const FUN_ASR_NANO_ADAPTOR: NanoAdaptorConfig = NanoAdaptorConfigSchema.parse({
  audio_adaptor_conf: { downsample_rate: 1, use_low_frame_rate: true, ffn_dim: 2048, llm_dim: 1024, encoder_dim: 512, n_layer: 2, attention_heads: 8 },
  block_ffn_dim: 256,
});

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
const OMINIX_LAYOUT: KeyLayout = {
  name: "ominix",
  detect: (index) => [...index.entries.keys()].some((n) => n.includes(".attn.q.")),
  rules: [
    { match: /\.attn\.q\./, rename: ".self_attn.linear_q." },
    { match: /\.attn\.k\./, rename: ".self_attn.linear_k." },
    { match: /\.attn\.v\./, rename: ".self_attn.linear_v." },
    { match: /\.attn\.out\./, rename: ".self_attn.linear_out." },
    { match: /\.ffn\.w1\./, rename: ".feed_forward.w_1." },
    { match: /\.ffn\.w2\./, rename: ".feed_forward.w_2." },
  ],
};

function configFromShapes(index: CheckpointIndex, base: NanoAdaptorConfig): NanoAdaptorConfig {
  const c = "Nano adaptor";
  const [ffn, stackedInput] = shapeOf(index, "linear1.weight", c) as [number, number];
  const [llm] = shapeOf(index, "linear2.weight", c) as [number];
  const layers = countIndexed(index, /^blocks\.(\d+)\./);
  const blockFfn = layers > 0 ? shapeOf(index, "blocks.0.feed_forward.w_1.weight", c)[0]! : Math.floor(llm / 4);
  const rate = base.audio_adaptor_conf.downsample_rate;
  return {
    ...base,
    block_ffn_dim: blockFfn,
    audio_adaptor_conf: { ...base.audio_adaptor_conf, ffn_dim: ffn, llm_dim: llm, encoder_dim: stackedInput / rate, n_layer: layers },
  };
}

export function nanoAdaptorParameters(c: NanoAdaptorConfig): number {
  const a = c.audio_adaptor_conf;
  const f = blockFfnDim(c);
  const block = 4 * (a.llm_dim * a.llm_dim + a.llm_dim) + 2 * f * a.llm_dim + f + a.llm_dim + 4 * a.llm_dim;
  return a.encoder_dim * a.downsample_rate * a.ffn_dim + a.ffn_dim + a.ffn_dim * a.llm_dim + a.llm_dim + a.n_layer * block;
}

export interface NanoAdaptorOutput {
  /** `[B, T', llm_dim]`, one frame per (stacked) encoder frame. */
  readonly frames: Tensor;
  /** Valid frames per row. */
  readonly lengths: number[];
  /** Frames per row the LLM receives (`fakeTokenLength` of the input length). */
  readonly llmLengths: number[];
}

export class NanoAdaptor implements AudioAdaptor {
  private constructor(
    readonly config: NanoAdaptorConfig,
    private readonly linear1: Linear,
    private readonly linear2: Linear,
    private readonly blocks: TransformerLayer[],
  ) {}

  static fromTensors(config: NanoAdaptorConfig, take: (name: string) => Tensor): NanoAdaptor {
    const picker = new TensorPicker(take, audioDtype());
    const linear = (name: string) => new Linear(picker.get(`${name}.weight`), picker.get(`${name}.bias`));
    const norm = (name: string) => new LayerNorm(picker.get(`${name}.weight`), picker.get(`${name}.bias`), config.layer_norm_eps);
    const heads = config.audio_adaptor_conf.attention_heads;
    const blocks = Array.from({ length: config.audio_adaptor_conf.n_layer }, (_, b) => {
      const p = `blocks.${b}.`;
      const norm1 = norm(`${p}norm1`);
      const attention = new SelfAttention(
        linear(`${p}self_attn.linear_q`),
        linear(`${p}self_attn.linear_k`),
        linear(`${p}self_attn.linear_v`),
        linear(`${p}self_attn.linear_out`),
        heads,
      );
      const norm2 = norm(`${p}norm2`);
      const ffn = new FeedForward(linear(`${p}feed_forward.w_1`), linear(`${p}feed_forward.w_2`), "relu");
      return new TransformerLayer(attention, ffn, norm1, norm2, true);
    });
    const adaptor = new NanoAdaptor(config, linear("linear1"), linear("linear2"), blocks);
    picker.evaluate();
    return adaptor;
  }

  get outputDim(): number {
    return this.config.audio_adaptor_conf.llm_dim;
  }

  /** Loads `<dir>/config.json` and the weights beside it. */
  static load(dir: string): NanoAdaptor {
    return loadNetworkFolder(NANO_ADAPTOR, dir) as NanoAdaptor;
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

  adapt(frames: Tensor, lengths: readonly number[]): AdaptedAudio {
    const out = this.forward(frames, lengths);
    const longest = Math.max(0, ...out.llmLengths);
    const rows = out.frames.index(mx.Slice(), mx.Slice(0, longest));
    return { frames: rows, lengths: out.llmLengths, computed: { frames: out.frames, lengths: out.lengths } };
  }

  rowCount(encoderFrames: number): number {
    const k = this.config.audio_adaptor_conf.downsample_rate;
    return this.config.audio_adaptor_conf.use_low_frame_rate ? fakeTokenLength(encoderFrames) : Math.floor((encoderFrames - 1) / k) + 1;
  }
}

export const NANO_ADAPTOR: NetworkDefinition<NanoAdaptorConfig, NanoAdaptor> = {
  title: "Nano adaptor",
  schema: NanoAdaptorConfigSchema,
  released: { "Fun-ASR-Nano-2512": FUN_ASR_NANO_ADAPTOR },
  layouts: [OMINIX_LAYOUT],
  prefixes: (c) => [c.checkpoint_key_prefix, "adaptor."],
  tensors: (c) => nanoAdaptorTensors(c),
  configFromShapes,
  parameters: nanoAdaptorParameters,
  outputFrames: (c, frames) => (c.audio_adaptor_conf.use_low_frame_rate ? fakeTokenLength(frames) : Math.floor((frames - 1) / c.audio_adaptor_conf.downsample_rate) + 1),
  build: (config, weights) => NanoAdaptor.fromTensors(config, (name) => weights.take(name)),
};
