/**
 * The SAN-M encoder: a stack of pre-norm SAN-M blocks — multi-head self-attention
 * plus an FSMN memory (depthwise conv over V) — in up to three groups: encoders0
 * (input width → D, no residual), encoders, tp_encoders; after_norm, and tp_norm
 * when there are tp blocks. Configured as FunASR's SenseVoiceEncoderSmall
 * (`funasr/models/sense_voice/model.py`; SenseVoiceSmall's and Fun-ASR-Nano's audio
 * encoder) or as its SANMEncoder (`funasr/models/sanm/encoder.py`; Paraformer's:
 * no tp blocks, LayerNorm eps 1e-12).
 */
import { z } from "zod";
import { MAX_LAYERS } from "../nn/config-bounds";
import { audioDtype } from "../engine/device";
import type { KeyLayout } from "../engine/key-layout";
import { mx, type Tensor } from "../engine/mlx";
import { CheckpointIndex, TensorPicker } from "../engine/weights";
import { relu } from "../nn/activations";
import { frameMask, keyPaddingMask, multiHeadAttention } from "../nn/attention";
import { fsmnMemory } from "../nn/fsmn";
import { Linear } from "../nn/linear";
import { LayerNorm } from "../nn/norm";
import { callCompiled, ParamCursor, paramsOf, signatureOf, type Module } from "../nn/module";
import { loadNetworkFolder, type NetworkDefinition } from "../nn/network";
import type { AudioEncoder, FrameBatch } from "../nn/parts";
import { sinusoidalPositions } from "../nn/positions";
import { countIndexed, shapeOf } from "../nn/shapes";

const TITLE = "SAN-M encoder";

export const SenseVoiceEncoderConfigSchema = z.object({
  /** FunASR's class name: the same blocks, configured differently (see the released configurations). */
  encoder: z.enum(["SenseVoiceEncoderSmall", "SANMEncoder"]).default("SenseVoiceEncoderSmall"),
  input_size: z.number().int().positive(),
  encoder_conf: z.object({
    output_size: z.number().int().positive(),
    attention_heads: z.number().int().positive(),
    linear_units: z.number().int().positive(),
    num_blocks: z.number().int().min(1).max(MAX_LAYERS),
    tp_blocks: z.number().int().min(0).max(MAX_LAYERS).default(0),
    kernel_size: z.number().int().positive(),
    sanm_shfit: z.number().int().default(0),
    normalize_before: z.literal(true).default(true),
  }),
  /** Where a checkpoint of ours keeps the encoder's tensors. */
  checkpoint_key_prefix: z.string().default("encoder."),
  /**
   * FunASR multiplies the features by √output_size before the position encoding;
   * the OminiX Qwen4B port does not ("none"), and its adaptor was measured that way.
   */
  input_scale: z.enum(["sqrt_output_size", "none"]).default("sqrt_output_size"),
  layer_norm_eps: z.number().positive().default(1e-5),
});
export type SenseVoiceEncoderConfig = z.output<typeof SenseVoiceEncoderConfigSchema>;

/** SenseVoiceSmall's encoder (FunAudioLLM/SenseVoiceSmall `model.pt`, `encoder.*`; also Fun-ASR-Nano's, there under `audio_encoder.`). */
export const SENSEVOICE_SMALL: SenseVoiceEncoderConfig = SenseVoiceEncoderConfigSchema.parse({
  input_size: 560,
  encoder_conf: { output_size: 512, attention_heads: 4, linear_units: 2048, num_blocks: 50, tp_blocks: 20, kernel_size: 11, sanm_shfit: 0 },
  checkpoint_key_prefix: "encoder.",
});

/**
 * Paraformer-large's encoder (`iic/speech_paraformer-large_asr_nat-zh-cn-16k-common-vocab8404-pytorch`
 * `model.pt`, `encoder.*`): FunASR's SANMEncoder, whose LayerNorm is torch's with eps 1e-12.
 */
export const PARAFORMER_LARGE_ENCODER: SenseVoiceEncoderConfig = SenseVoiceEncoderConfigSchema.parse({
  encoder: "SANMEncoder",
  input_size: 560,
  encoder_conf: { output_size: 512, attention_heads: 4, linear_units: 2048, num_blocks: 50, tp_blocks: 0, kernel_size: 11, sanm_shfit: 0 },
  checkpoint_key_prefix: "encoder.",
  layer_norm_eps: 1e-12,
});

/** OminiX's converted checkpoints use short names for the same tensors. */
const OMINIX_LAYOUT: KeyLayout = {
  name: "ominix",
  detect: (index) => [...index.entries.keys()].some((n) => n.includes(".attn.qkv.")),
  rules: [
    { match: /\.attn\.qkv\./, rename: ".self_attn.linear_q_k_v." },
    { match: /\.attn\.out\./, rename: ".self_attn.linear_out." },
    { match: /\.attn\.fsmn\./, rename: ".self_attn.fsmn_block." },
    { match: /\.ffn\.w1\./, rename: ".feed_forward.w_1." },
    { match: /\.ffn\.w2\./, rename: ".feed_forward.w_2." },
  ],
};

/**
 * mlx-audio's Fun-ASR-Nano conversion (`fun_asr_nano` `sanitize`): FunASR's names,
 * with each FSMN depthwise kernel stored transposed, `[D, K, 1]` instead of `[D, 1, K]`.
 */
const MLX_AUDIO_LAYOUT: KeyLayout = {
  name: "mlx-audio",
  detect: (index) => [...index.entries].some(([name, e]) => name.endsWith("fsmn_block.weight") && e.shape.length === 3 && e.shape[2] === 1 && e.shape[1]! > 1),
  rules: [{ match: /fsmn_block\.weight$/, permute: [0, 2, 1] }],
};

function layerGroups(c: SenseVoiceEncoderConfig): { name: string; index: number; inSize: number }[] {
  const d = c.encoder_conf.output_size;
  return [
    { name: "encoders0", index: 0, inSize: c.input_size },
    ...Array.from({ length: c.encoder_conf.num_blocks - 1 }, (_, i) => ({ name: "encoders", index: i, inSize: d })),
    ...Array.from({ length: c.encoder_conf.tp_blocks }, (_, i) => ({ name: "tp_encoders", index: i, inSize: d })),
  ];
}

function finalNorms(c: SenseVoiceEncoderConfig): string[] {
  return c.encoder_conf.tp_blocks > 0 ? ["after_norm", "tp_norm"] : ["after_norm"];
}

/** Names and shapes of every tensor the encoder needs (without the checkpoint prefix). */
export function senseVoiceEncoderTensors(c: SenseVoiceEncoderConfig): Map<string, number[]> {
  const d = c.encoder_conf.output_size;
  const u = c.encoder_conf.linear_units;
  const k = c.encoder_conf.kernel_size;
  const shapes = new Map<string, number[]>();
  for (const { name, index, inSize } of layerGroups(c)) {
    const p = `${name}.${index}.`;
    shapes.set(`${p}self_attn.linear_q_k_v.weight`, [3 * d, inSize]);
    shapes.set(`${p}self_attn.linear_q_k_v.bias`, [3 * d]);
    shapes.set(`${p}self_attn.fsmn_block.weight`, [d, 1, k]);
    shapes.set(`${p}self_attn.linear_out.weight`, [d, d]);
    shapes.set(`${p}self_attn.linear_out.bias`, [d]);
    shapes.set(`${p}feed_forward.w_1.weight`, [u, d]);
    shapes.set(`${p}feed_forward.w_1.bias`, [u]);
    shapes.set(`${p}feed_forward.w_2.weight`, [d, u]);
    shapes.set(`${p}feed_forward.w_2.bias`, [d]);
    shapes.set(`${p}norm1.weight`, [inSize]);
    shapes.set(`${p}norm1.bias`, [inSize]);
    shapes.set(`${p}norm2.weight`, [d]);
    shapes.set(`${p}norm2.bias`, [d]);
  }
  for (const norm of finalNorms(c)) {
    shapes.set(`${norm}.weight`, [d]);
    shapes.set(`${norm}.bias`, [d]);
  }
  return shapes;
}

function configFromShapes(index: CheckpointIndex, base: SenseVoiceEncoderConfig): SenseVoiceEncoderConfig {
  const c = TITLE;
  const [, inputSize] = shapeOf(index, "encoders0.0.self_attn.linear_q_k_v.weight", c) as [number, number];
  const [outputSize] = shapeOf(index, "after_norm.weight", c) as [number];
  const [units] = shapeOf(index, "encoders0.0.feed_forward.w_1.weight", c) as [number];
  const kernel = shapeOf(index, "encoders0.0.self_attn.fsmn_block.weight", c)[2]!;
  return {
    ...base,
    input_size: inputSize,
    encoder_conf: {
      ...base.encoder_conf,
      output_size: outputSize,
      linear_units: units,
      kernel_size: kernel,
      num_blocks: 1 + countIndexed(index, /^encoders\.(\d+)\./),
      tp_blocks: countIndexed(index, /^tp_encoders\.(\d+)\./),
    },
  };
}

export function senseVoiceParameters(c: SenseVoiceEncoderConfig): number {
  const d = c.encoder_conf.output_size;
  const u = c.encoder_conf.linear_units;
  const k = c.encoder_conf.kernel_size;
  const layer = (inSize: number) => 3 * d * inSize + 3 * d + d * k + d * d + d + 2 * u * d + u + d + 2 * inSize + 2 * d;
  const blocks = c.encoder_conf.num_blocks - 1 + c.encoder_conf.tp_blocks;
  return layer(c.input_size) + blocks * layer(d) + 2 * d * finalNorms(c).length;
}

/** Bytes of the largest float32 step on `frames` input frames (inputs, a block's intermediates, one head set of scores). */
export function senseVoicePeakBytes(c: SenseVoiceEncoderConfig, frames: number): number {
  const d = c.encoder_conf.output_size;
  return 4 * (frames * (c.input_size + 8 * d + 2 * c.encoder_conf.linear_units) + c.encoder_conf.attention_heads * frames * frames);
}

interface Masks {
  /** `[B, T, 1]` 1/0 frame mask, undefined without padding. */
  readonly frames?: Tensor;
  /** Additive key mask for attention, undefined without padding. */
  readonly keys?: Tensor;
}

class SanmBlock implements Module {
  readonly params: readonly Tensor[];
  readonly signature: string;

  constructor(
    private readonly norm1: LayerNorm,
    private readonly qkv: Linear,
    /** Depthwise conv weight in the engine's layout `[D, K, 1]`. */
    fsmnWeight: Tensor,
    private readonly out: Linear,
    private readonly norm2: LayerNorm,
    private readonly w1: Linear,
    private readonly w2: Linear,
    private readonly heads: number,
    private readonly leftPad: number,
    private readonly residual: boolean,
  ) {
    this.params = paramsOf(norm1, qkv, fsmnWeight, out, norm2, w1, w2);
    this.signature = signatureOf("sanm", norm1, qkv, out, norm2, w1, w2, heads, leftPad, residual);
  }

  forward(x: Tensor, masks: Masks): Tensor {
    const inputs = masks.frames && masks.keys ? [x, masks.frames, masks.keys] : [x];
    return callCompiled(this, inputs, ([input, frames, keys], p) => [this.compute(input!, p, frames, keys)])[0]!;
  }

  /** Reads the parameters in the order of `params`. */
  private compute(x: Tensor, p: ParamCursor, frames?: Tensor, keys?: Tensor): Tensor {
    const h = this.norm1.call(x, p);
    const [q, k, v] = mx.split(this.qkv.call(h, p), 3, -1) as [Tensor, Tensor, Tensor];
    const fsmn = fsmnMemory(v, p.next(), this.leftPad, frames);
    const a = mx.add(this.out.call(multiHeadAttention(q, k, v, this.heads, this.heads, keys), p), fsmn);
    const y = this.residual ? mx.add(x, a) : a;
    const normed = this.norm2.call(y, p);
    return mx.add(y, this.w2.call(relu(this.w1.call(normed, p)), p));
  }
}

export class SenseVoiceEncoder implements AudioEncoder {
  private constructor(
    readonly config: SenseVoiceEncoderConfig,
    private readonly blocks: SanmBlock[],
    private readonly encodersEnd: number,
    private readonly afterNorm: LayerNorm,
    private readonly tpNorm: LayerNorm | null,
  ) {}

  get outputDim(): number {
    return this.config.encoder_conf.output_size;
  }

  /** Loads `<dir>/config.json` and the weights beside it. */
  static load(dir: string): SenseVoiceEncoder {
    return loadNetworkFolder(SENSEVOICE_ENCODER, dir) as SenseVoiceEncoder;
  }

  /** Builds the encoder from canonical (FunASR-named, prefix-free) tensors. */
  static fromTensors(config: SenseVoiceEncoderConfig, take: (name: string) => Tensor): SenseVoiceEncoder {
    const picker = new TensorPicker(take, audioDtype());
    const get = (name: string) => picker.get(name);
    const eps = config.layer_norm_eps;
    const c = config.encoder_conf;
    const leftPad = Math.floor((c.kernel_size - 1) / 2) + c.sanm_shfit;
    const blocks = layerGroups(config).map(({ name, index, inSize }) => {
      const p = `${name}.${index}.`;
      const fsmn = picker.keep(get(`${p}self_attn.fsmn_block.weight`).transpose(0, 2, 1));
      return new SanmBlock(
        new LayerNorm(get(`${p}norm1.weight`), get(`${p}norm1.bias`), eps),
        new Linear(get(`${p}self_attn.linear_q_k_v.weight`), get(`${p}self_attn.linear_q_k_v.bias`)),
        fsmn,
        new Linear(get(`${p}self_attn.linear_out.weight`), get(`${p}self_attn.linear_out.bias`)),
        new LayerNorm(get(`${p}norm2.weight`), get(`${p}norm2.bias`), eps),
        new Linear(get(`${p}feed_forward.w_1.weight`), get(`${p}feed_forward.w_1.bias`)),
        new Linear(get(`${p}feed_forward.w_2.weight`), get(`${p}feed_forward.w_2.bias`)),
        c.attention_heads,
        leftPad,
        inSize === c.output_size,
      );
    });
    const encoder = new SenseVoiceEncoder(
      config,
      blocks,
      c.num_blocks,
      new LayerNorm(get("after_norm.weight"), get("after_norm.bias"), eps),
      c.tp_blocks > 0 ? new LayerNorm(get("tp_norm.weight"), get("tp_norm.bias"), eps) : null,
    );
    picker.evaluate();
    return encoder;
  }

  /**
   * `features [B, T, input_size]` → `[B, T, D]`. With `lengths`, rows are
   * right-padded and every valid row equals the unbatched result.
   */
  forward(features: Tensor, lengths: readonly number[] | null = null): Tensor {
    const [, frames, depth] = features.shape as [number, number, number];
    const masks: Masks = { frames: frameMask(lengths, frames), keys: keyPaddingMask(lengths, frames) };
    let x = this.config.input_scale === "sqrt_output_size" ? mx.multiply(features, Math.sqrt(this.outputDim)) : features;
    x = mx.add(x, sinusoidalPositions(frames, depth, 1));
    for (let i = 0; i < this.blocks.length; i++) {
      x = this.blocks[i]!.forward(x, masks);
      if (i === this.encodersEnd - 1) x = this.afterNorm.forward(x);
    }
    return this.tpNorm ? this.tpNorm.forward(x) : x;
  }

  encode(features: Tensor, lengths: readonly number[]): FrameBatch {
    return { frames: this.forward(features, lengths), lengths };
  }

  frameCount(featureFrames: number): number {
    return featureFrames;
  }
}

export const SENSEVOICE_ENCODER: NetworkDefinition<SenseVoiceEncoderConfig, SenseVoiceEncoder> = {
  title: TITLE,
  schema: SenseVoiceEncoderConfigSchema,
  released: { SenseVoiceSmall: SENSEVOICE_SMALL, "Paraformer-large": PARAFORMER_LARGE_ENCODER },
  layouts: [OMINIX_LAYOUT, MLX_AUDIO_LAYOUT],
  prefixes: (c) => [c.checkpoint_key_prefix],
  tensors: (c) => senseVoiceEncoderTensors(c),
  configFromShapes,
  parameters: senseVoiceParameters,
  peakActivationBytes: senseVoicePeakBytes,
  outputFrames: (_c, frames) => frames,
  build: (config, weights) => SenseVoiceEncoder.fromTensors(config, (name) => weights.take(name)),
};

/** A 5-block encoder of width 64 with SenseVoiceSmall's structure. */
export function tinySenseVoice(inputScale: SenseVoiceEncoderConfig["input_scale"]): SenseVoiceEncoderConfig {
  return SenseVoiceEncoderConfigSchema.parse({
    input_size: 560,
    encoder_conf: { output_size: 64, attention_heads: 4, linear_units: 128, num_blocks: 3, tp_blocks: 2, kernel_size: 11, sanm_shfit: 0 },
    checkpoint_key_prefix: "encoder.",
    input_scale: inputScale,
  });
}
