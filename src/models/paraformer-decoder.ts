/**
 * Paraformer's non-autoregressive SAN-M decoder (FunASR `ParaformerSANMDecoder`,
 * `funasr/models/paraformer/decoder.py`): every token's acoustic embedding at once,
 * no token embedding and no positions. Each layer (`DecoderLayerSANM`) runs its
 * feed-forward first (with a LayerNorm over its hidden units and a bias-free output),
 * then an FSMN-only self-attention with the residual from the layer's input, then
 * cross-attention to the encoder frames; a last layer (`decoders3`) is a feed-forward
 * alone without residual; then after_norm and the output layer: logits for every
 * position, read greedily.
 */
import { z } from "zod";
import { audioDtype } from "../engine/device";
import { mx, type Tensor } from "../engine/mlx";
import { CheckpointIndex, TensorPicker } from "../engine/weights";
import { frameMask, keyPaddingMask, multiHeadAttention } from "../nn/attention";
import { MAX_LAYERS } from "../nn/config-bounds";
import { FeedForward } from "../nn/feed-forward";
import { fsmnMemory } from "../nn/fsmn";
import { Linear } from "../nn/linear";
import { callCompiled, ParamCursor, paramsOf, signatureOf, type Module } from "../nn/module";
import type { NetworkDefinition } from "../nn/network";
import { LayerNorm } from "../nn/norm";
import type { ParallelDecoder } from "../nn/parts";
import { countIndexed, shapeOf } from "../nn/shapes";

const TITLE = "Paraformer decoder";

export const ParaformerDecoderConfigSchema = z.object({
  decoder: z.literal("ParaformerSANMDecoder").default("ParaformerSANMDecoder"),
  /** Tokens of its vocabulary (FunASR reads it off tokens.json). */
  vocab_size: z.number().int().positive().max(10_000_000),
  /** Its width D: the encoder's output width. */
  encoder_output_size: z.number().int().positive(),
  decoder_conf: z
    .object({
      attention_heads: z.number().int().positive(),
      linear_units: z.number().int().positive(),
      num_blocks: z.number().int().min(1).max(MAX_LAYERS),
      att_layer_num: z.number().int().min(1).max(MAX_LAYERS),
      kernel_size: z.number().int().positive().max(1024),
      sanm_shfit: z.number().int().min(0).default(0),
    })
    .refine((c) => c.num_blocks === c.att_layer_num, {
      message: "must equal att_layer_num (layers without cross-attention, FunASR's decoders2, are not supported)",
      path: ["num_blocks"],
    })
    .refine((c) => Math.floor((c.kernel_size - 1) / 2) + c.sanm_shfit < c.kernel_size, { message: "shifts the FSMN window past its kernel", path: ["sanm_shfit"] }),
  /** Where a checkpoint of ours keeps the decoder's tensors. */
  checkpoint_key_prefix: z.string().default("decoder."),
  /** FunASR's LayerNorm is torch's with eps 1e-12. */
  layer_norm_eps: z.number().positive().default(1e-12),
});
export type ParaformerDecoderConfig = z.output<typeof ParaformerDecoderConfigSchema>;

/** Paraformer-large's decoder (`decoder.*` of its `model.pt`; vocab8404). */
export const PARAFORMER_LARGE_DECODER: ParaformerDecoderConfig = ParaformerDecoderConfigSchema.parse({
  vocab_size: 8404,
  encoder_output_size: 512,
  decoder_conf: { attention_heads: 4, linear_units: 2048, num_blocks: 16, att_layer_num: 16, kernel_size: 11, sanm_shfit: 0 },
});

export function paraformerDecoderTensors(c: ParaformerDecoderConfig): Map<string, number[]> {
  const d = c.encoder_output_size;
  const u = c.decoder_conf.linear_units;
  const shapes = new Map<string, number[]>();
  const feedForward = (p: string) => {
    shapes.set(`${p}feed_forward.w_1.weight`, [u, d]);
    shapes.set(`${p}feed_forward.w_1.bias`, [u]);
    shapes.set(`${p}feed_forward.w_2.weight`, [d, u]);
    shapes.set(`${p}feed_forward.norm.weight`, [u]);
    shapes.set(`${p}feed_forward.norm.bias`, [u]);
    shapes.set(`${p}norm1.weight`, [d]);
    shapes.set(`${p}norm1.bias`, [d]);
  };
  for (let j = 0; j < c.decoder_conf.att_layer_num; j++) {
    const p = `decoders.${j}.`;
    shapes.set(`${p}self_attn.fsmn_block.weight`, [d, 1, c.decoder_conf.kernel_size]);
    shapes.set(`${p}src_attn.linear_q.weight`, [d, d]);
    shapes.set(`${p}src_attn.linear_q.bias`, [d]);
    shapes.set(`${p}src_attn.linear_k_v.weight`, [2 * d, d]);
    shapes.set(`${p}src_attn.linear_k_v.bias`, [2 * d]);
    shapes.set(`${p}src_attn.linear_out.weight`, [d, d]);
    shapes.set(`${p}src_attn.linear_out.bias`, [d]);
    feedForward(p);
    for (const norm of ["norm2", "norm3"]) {
      shapes.set(`${p}${norm}.weight`, [d]);
      shapes.set(`${p}${norm}.bias`, [d]);
    }
  }
  feedForward("decoders3.0.");
  shapes.set("after_norm.weight", [d]);
  shapes.set("after_norm.bias", [d]);
  shapes.set("output_layer.weight", [c.vocab_size, d]);
  shapes.set("output_layer.bias", [c.vocab_size]);
  return shapes;
}

/** The token embedding of training (teacher forcing); inference never reads it. */
export const PARAFORMER_TRAINING_EMBEDDING = "embed.0.weight";

function configFromShapes(index: CheckpointIndex, base: ParaformerDecoderConfig): ParaformerDecoderConfig {
  const [vocab, width] = shapeOf(index, "output_layer.weight", TITLE) as [number, number];
  const [units] = shapeOf(index, "decoders.0.feed_forward.w_1.weight", TITLE) as [number];
  const kernel = shapeOf(index, "decoders.0.self_attn.fsmn_block.weight", TITLE)[2]!;
  const layers = countIndexed(index, /^decoders\.(\d+)\./);
  return {
    ...base,
    vocab_size: vocab,
    encoder_output_size: width,
    decoder_conf: { ...base.decoder_conf, linear_units: units, kernel_size: kernel, att_layer_num: layers, num_blocks: layers + countIndexed(index, /^decoders2\.(\d+)\./) },
  };
}

function parameters(c: ParaformerDecoderConfig): number {
  let total = 0;
  for (const shape of paraformerDecoderTensors(c).values()) total += shape.reduce((a, b) => a * b, 1);
  return total;
}

/** One `DecoderLayerSANM` with FSMN self-attention and cross-attention. */
class DecoderLayer implements Module {
  readonly params: readonly Tensor[];
  readonly signature: string;

  constructor(
    private readonly norm1: LayerNorm,
    private readonly feedForward: FeedForward,
    private readonly norm2: LayerNorm,
    /** Depthwise FSMN kernel `[D, K, 1]`. */
    fsmnWeight: Tensor,
    private readonly norm3: LayerNorm,
    private readonly query: Linear,
    private readonly keyValue: Linear,
    private readonly out: Linear,
    private readonly heads: number,
    private readonly leftPad: number,
  ) {
    this.params = paramsOf(norm1, feedForward, norm2, fsmnWeight, norm3, query, keyValue, out);
    this.signature = signatureOf("paraformer-decoder-layer", norm1, feedForward, norm2, norm3, query, keyValue, out, heads, leftPad);
  }

  /** `tokenMask [B, N, 1]` (1/0), `keyMask [B, 1, 1, T]` (additive). */
  forward(x: Tensor, memory: Tensor, tokenMask: Tensor, keyMask: Tensor): Tensor {
    return callCompiled(this, [x, memory, tokenMask, keyMask], ([input, m, tokens, keys], p) => [this.compute(input!, m!, tokens!, keys!, p)])[0]!;
  }

  private compute(x: Tensor, memory: Tensor, tokenMask: Tensor, keyMask: Tensor, p: ParamCursor): Tensor {
    const ffn = this.norm2.call(this.feedForward.call(this.norm1.call(x, p), p), p);
    const y = mx.add(x, fsmnMemory(ffn, p.next(), this.leftPad, tokenMask));
    const q = this.query.call(this.norm3.call(y, p), p);
    const [k, v] = mx.split(this.keyValue.call(memory, p), 2, -1) as [Tensor, Tensor];
    return mx.add(y, this.out.call(multiHeadAttention(q, k, v, this.heads, this.heads, keyMask), p));
  }
}

/** `decoders3`: a feed-forward alone, without residual. */
class FeedForwardLayer implements Module {
  readonly params: readonly Tensor[];
  readonly signature: string;

  constructor(
    private readonly norm1: LayerNorm,
    private readonly feedForward: FeedForward,
  ) {
    this.params = paramsOf(norm1, feedForward);
    this.signature = signatureOf("paraformer-decoder-ffn", norm1, feedForward);
  }

  forward(x: Tensor): Tensor {
    return callCompiled(this, [x], ([input], p) => [this.feedForward.call(this.norm1.call(input!, p), p)])[0]!;
  }
}

export class ParaformerDecoder implements ParallelDecoder {
  constructor(
    readonly config: ParaformerDecoderConfig,
    private readonly layers: readonly DecoderLayer[],
    private readonly last: FeedForwardLayer,
    private readonly afterNorm: LayerNorm,
    private readonly output: Linear,
  ) {}

  get vocabSize(): number {
    return this.config.vocab_size;
  }

  /** Rows past a member's token count, and encoder frames past its length, are masked as FunASR masks them. */
  decode(embeddings: Tensor, tokenCounts: readonly number[], frames: Tensor, frameLengths: readonly number[]): Tensor {
    const [batch, tokens] = embeddings.shape as [number, number];
    const time = frames.shape[1]!;
    const tokenMask = frameMask(tokenCounts, tokens) ?? mx.ones([batch, tokens, 1], mx.float32);
    const keyMask = keyPaddingMask(frameLengths, time) ?? mx.zeros([batch, 1, 1, time], mx.float32);
    let x = embeddings;
    for (const layer of this.layers) x = layer.forward(x, frames, tokenMask, keyMask);
    const logits = this.output.forward(this.afterNorm.forward(this.last.forward(x)));
    mx.eval(logits);
    return logits;
  }
}

function build(config: ParaformerDecoderConfig, take: (name: string) => Tensor): ParaformerDecoder {
  const picker = new TensorPicker(take, audioDtype());
  const get = (name: string) => picker.get(name);
  const eps = config.layer_norm_eps;
  const norm = (p: string) => new LayerNorm(get(`${p}.weight`), get(`${p}.bias`), eps);
  const linear = (p: string) => new Linear(get(`${p}.weight`), get(`${p}.bias`));
  const feedForward = (p: string) => new FeedForward(linear(`${p}feed_forward.w_1`), new Linear(get(`${p}feed_forward.w_2.weight`)), "relu", norm(`${p}feed_forward.norm`));
  const c = config.decoder_conf;
  const leftPad = Math.floor((c.kernel_size - 1) / 2) + c.sanm_shfit;
  const layers = Array.from({ length: c.att_layer_num }, (_, j) => {
    const p = `decoders.${j}.`;
    return new DecoderLayer(
      norm(`${p}norm1`),
      feedForward(p),
      norm(`${p}norm2`),
      picker.keep(get(`${p}self_attn.fsmn_block.weight`).transpose(0, 2, 1)),
      norm(`${p}norm3`),
      linear(`${p}src_attn.linear_q`),
      linear(`${p}src_attn.linear_k_v`),
      linear(`${p}src_attn.linear_out`),
      c.attention_heads,
      leftPad,
    );
  });
  const last = new FeedForwardLayer(norm("decoders3.0.norm1"), feedForward("decoders3.0."));
  const decoder = new ParaformerDecoder(config, layers, last, norm("after_norm"), linear("output_layer"));
  picker.evaluate();
  return decoder;
}

export const PARAFORMER_DECODER: NetworkDefinition<ParaformerDecoderConfig, ParaformerDecoder> = {
  title: TITLE,
  schema: ParaformerDecoderConfigSchema,
  released: { "Paraformer-large": PARAFORMER_LARGE_DECODER },
  layouts: [],
  prefixes: (c) => [c.checkpoint_key_prefix],
  tensors: (c) => paraformerDecoderTensors(c),
  ignores: (name) => name === PARAFORMER_TRAINING_EMBEDDING,
  configFromShapes,
  parameters,
  // Cross-attention scores over every frame for every token (at most one token per frame), the hidden units, and the logits.
  peakActivationBytes: (c, frames) => 4 * (c.decoder_conf.attention_heads * frames * frames + frames * (c.decoder_conf.linear_units + 4 * c.encoder_output_size + c.vocab_size)),
  build: (config, weights) => build(config, (name) => weights.take(name)),
};

/** A 2-layer decoder of width `width` over a vocabulary of `vocab` tokens. */
export function tinyParaformerDecoder(width: number, vocab: number): ParaformerDecoderConfig {
  return ParaformerDecoderConfigSchema.parse({
    vocab_size: vocab,
    encoder_output_size: width,
    decoder_conf: { attention_heads: 4, linear_units: 96, num_blocks: 2, att_layer_num: 2, kernel_size: 11, sanm_shfit: 0 },
  });
}
