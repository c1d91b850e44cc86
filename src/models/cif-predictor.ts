/**
 * Paraformer's continuous integrate-and-fire predictor (FunASR `CifPredictorV2`,
 * `funasr/models/paraformer/cif_predictor.py`): a firing weight α per encoder frame
 * from a full convolution, ReLU and a linear layer with a sigmoid; a tail weight
 * after the last frame; then a token fires wherever the running sum of α crosses an
 * integer, and each token's acoustic embedding is the α-weighted sum of the frames
 * it integrated (a frame at a crossing split between the two tokens it ends and starts).
 */
import { z } from "zod";
import { audioDtype } from "../engine/device";
import { mx, type Tensor } from "../engine/mlx";
import { toFloat32Array, toTensor } from "../engine/transfer";
import { CheckpointIndex, TensorPicker } from "../engine/weights";
import { frameMask } from "../nn/attention";
import { relu } from "../nn/activations";
import { MAX_LAYERS } from "../nn/config-bounds";
import { Linear } from "../nn/linear";
import { callCompiled, ParamCursor, paramsOf, signatureOf, type Module } from "../nn/module";
import type { NetworkDefinition } from "../nn/network";
import type { PredictedTokens, TokenFiring, TokenPredictor } from "../nn/parts";
import { shapeOf } from "../nn/shapes";

const TITLE = "CIF predictor";

export const CifPredictorConfigSchema = z.object({
  predictor: z.literal("CifPredictorV2").default("CifPredictorV2"),
  predictor_conf: z.object({
    /** The encoder's output width. */
    idim: z.number().int().positive(),
    /** Tokens fire at integer crossings of the running sum. */
    threshold: z.literal(1).default(1),
    /** Zero frames padded before / after the convolution's input (its kernel is l_order + 1 + r_order). */
    l_order: z.number().int().min(0).max(MAX_LAYERS).default(1),
    r_order: z.number().int().min(0).max(MAX_LAYERS).default(1),
    /** Weight added after the last frame, so a token whose integration the audio nearly completed fires. */
    tail_threshold: z.number().positive().max(1).default(0.45),
    smooth_factor: z.number().positive().default(1),
    noise_threshold: z.number().min(0).default(0),
  }),
  /** Where a checkpoint of ours keeps the predictor's tensors. */
  checkpoint_key_prefix: z.string().default("predictor."),
});
export type CifPredictorConfig = z.output<typeof CifPredictorConfigSchema>;

/** Paraformer-large's predictor (`predictor.*` of its `model.pt`). */
export const PARAFORMER_LARGE_PREDICTOR: CifPredictorConfig = CifPredictorConfigSchema.parse({
  predictor_conf: { idim: 512, threshold: 1.0, l_order: 1, r_order: 1, tail_threshold: 0.45 },
});

function kernelOf(c: CifPredictorConfig): number {
  return c.predictor_conf.l_order + 1 + c.predictor_conf.r_order;
}

export function cifPredictorTensors(c: CifPredictorConfig): Map<string, number[]> {
  const d = c.predictor_conf.idim;
  return new Map([
    ["cif_conv1d.weight", [d, d, kernelOf(c)]],
    ["cif_conv1d.bias", [d]],
    ["cif_output.weight", [1, d]],
    ["cif_output.bias", [1]],
  ]);
}

function configFromShapes(index: CheckpointIndex, base: CifPredictorConfig): CifPredictorConfig {
  const [idim] = shapeOf(index, "cif_conv1d.weight", TITLE) as [number];
  return { ...base, predictor_conf: { ...base.predictor_conf, idim } };
}

function parameters(c: CifPredictorConfig): number {
  const d = c.predictor_conf.idim;
  return d * d * kernelOf(c) + 2 * d + 1;
}

/** Frames `[B, T, D]` (padding zeroed) → α `[B, T]`. */
class FiringWeights implements Module {
  readonly params: readonly Tensor[];
  readonly signature: string;

  constructor(
    /** `[D, K, D]`, the engine's conv layout. */
    conv: Tensor,
    convBias: Tensor,
    private readonly output: Linear,
    private readonly padding: readonly [number, number],
    private readonly smooth: number,
    private readonly noise: number,
  ) {
    this.params = paramsOf(conv, convBias, output);
    this.signature = signatureOf("cif-weights", output, padding.join("/"), smooth, noise);
  }

  forward(hidden: Tensor, mask: Tensor): Tensor {
    return callCompiled(this, [hidden, mask], ([x, m], p) => [this.compute(x!, m!, p)])[0]!;
  }

  private compute(hidden: Tensor, mask: Tensor, p: ParamCursor): Tensor {
    const padded = mx.pad(hidden, [[0, 0], [this.padding[0], this.padding[1]], [0, 0]]);
    const context = relu(mx.add(mx.conv1d(padded, p.next(), 1, 0, 1, 1), p.next()));
    const alphas = mx.sigmoid(this.output.call(context, p));
    return mx.multiply(relu(mx.subtract(mx.multiply(alphas, this.smooth), this.noise)), mask).squeeze(-1);
  }
}

/**
 * Integrate-and-fire over one utterance's α (FunASR `cif_wo_hidden_v1`): the
 * running sum is taken in float64 and rounded to float32, as upstream does, and a
 * token fires at each step where its integer part grows. The count is the integer
 * part of the final sum — the tail weight included, so floor(Σα + tail).
 */
export function integrateAndFire(alphas: Float32Array, tail: number): { firing: TokenFiring; sums: Float32Array } {
  const steps = alphas.length + 1;
  const tailAlphas = new Float32Array(steps);
  tailAlphas.set(alphas);
  tailAlphas[alphas.length] = tail;
  const sums = new Float32Array(steps);
  const peaks = new Float32Array(steps);
  const firePositions: number[] = [];
  let sum = 0;
  let before = 0;
  for (let t = 0; t < steps; t++) {
    sum += tailAlphas[t]!;
    const rounded = Math.fround(sum);
    const whole = Math.floor(rounded);
    const fires = whole > before;
    if (fires) firePositions.push(t);
    sums[t] = rounded;
    peaks[t] = Math.fround(Math.fround((fires ? 1 : 0) + rounded) - whole);
    before = whole;
  }
  return { firing: { alphas, tailAlphas, peaks, firePositions, tokenCount: firePositions.length }, sums };
}

/**
 * `[B, N, T+1]` weights of each frame in each token: token i integrates the part of
 * frame t's interval [S_{t−1}, S_t) of running sums that falls in [i, i + 1); rows
 * past a member's count are zero.
 */
function integrationWeights(sums: Float32Array[], counts: readonly number[], tokens: number): Tensor {
  const steps = sums[0]!.length;
  const flat = new Float32Array(sums.length * steps);
  sums.forEach((s, b) => flat.set(s, b * steps));
  const upper = toTensor(flat, [sums.length, 1, steps]);
  const lower = mx.concatenate([mx.zeros([sums.length, 1, 1], mx.float32), upper.index(mx.Slice(), mx.Slice(), mx.Slice(0, steps - 1))], 2);
  const token = mx.arange(tokens, mx.float32).reshape([1, tokens, 1]);
  const overlap = mx.subtract(mx.minimum(upper, mx.add(token, 1)), mx.maximum(lower, token));
  const valid = mx.less(token, mx.array([...counts], mx.float32).reshape([counts.length, 1, 1]));
  return mx.multiply(mx.maximum(overlap, 0), valid);
}

export class CifPredictor implements TokenPredictor {
  constructor(
    readonly config: CifPredictorConfig,
    private readonly weights: FiringWeights,
  ) {}

  /**
   * `frames [B, T, D]` → tokens. Frames past a member's length are zeroed first, so
   * the convolution and the tail see zeros there exactly as for that member alone
   * (FunASR's batched predictor reads its padded rows instead).
   */
  predict(frames: Tensor, lengths: readonly number[]): PredictedTokens {
    const [batch, time, width] = frames.shape as [number, number, number];
    const mask = frameMask(lengths, time) ?? mx.ones([batch, time, 1], mx.float32);
    const hidden = mx.multiply(frames, mask);
    const alphas = this.weights.forward(hidden, mask);
    mx.eval(alphas);
    const all = toFloat32Array(alphas);
    const tail = Math.fround(this.config.predictor_conf.tail_threshold);
    const fired = lengths.map((length, b) => integrateAndFire(all.slice(b * time, b * time + length), tail));
    const members = fired.map((f) => f.firing);
    const counts = members.map((m) => m.tokenCount);
    const tokens = Math.max(0, ...counts);
    if (tokens === 0) return { embeddings: mx.zeros([batch, 0, width], mx.float32), alphas, members };
    // Every member's running sums over T + 1 steps: past its own tail they stay at its total.
    const sums = fired.map(({ sums: own }) => {
      const padded = new Float32Array(time + 1).fill(own[own.length - 1]!);
      padded.set(own);
      return padded;
    });
    const withTail = mx.concatenate([hidden, mx.zeros([batch, 1, width], hidden.dtype)], 1);
    const embeddings = mx.matmul(integrationWeights(sums, counts, tokens), withTail);
    mx.eval(embeddings);
    return { embeddings, alphas, members };
  }
}

function build(config: CifPredictorConfig, take: (name: string) => Tensor): CifPredictor {
  const picker = new TensorPicker(take, audioDtype());
  const c = config.predictor_conf;
  const weights = new FiringWeights(
    picker.keep(picker.get("cif_conv1d.weight").transpose(0, 2, 1)),
    picker.get("cif_conv1d.bias"),
    new Linear(picker.get("cif_output.weight"), picker.get("cif_output.bias")),
    [c.l_order, c.r_order],
    c.smooth_factor,
    c.noise_threshold,
  );
  picker.evaluate();
  return new CifPredictor(config, weights);
}

export const CIF_PREDICTOR: NetworkDefinition<CifPredictorConfig, CifPredictor> = {
  title: TITLE,
  schema: CifPredictorConfigSchema,
  released: { "Paraformer-large": PARAFORMER_LARGE_PREDICTOR },
  layouts: [],
  prefixes: (c) => [c.checkpoint_key_prefix],
  tensors: (c) => cifPredictorTensors(c),
  configFromShapes,
  parameters,
  // The padded input, the convolution's output and the weights of every frame in every token.
  peakActivationBytes: (c, frames) => 4 * (3 * frames * c.predictor_conf.idim + frames * frames),
  outputFrames: (_c, frames) => frames,
  build: (config, weights) => build(config, (name) => weights.take(name)),
};

/** A predictor for a tiny encoder of width `width`. */
export function tinyCifPredictor(width: number): CifPredictorConfig {
  return CifPredictorConfigSchema.parse({ predictor_conf: { idim: width, threshold: 1.0, l_order: 1, r_order: 1, tail_threshold: 0.45 } });
}
