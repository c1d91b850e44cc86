/**
 * A FunASR Paraformer release folder at paraformer-large's shapes with random
 * weights, as `funasr/paraformer-zh` publishes it: `model.pt` (a torch ZIP
 * checkpoint of the plain `Paraformer`'s state dict: 956 tensors, 220,084,533
 * parameters), `config.yaml`, `am.mvn` (560 values), `tokens.json` (8404 tokens).
 * Fewer layers keep the real widths and key names for quick tests. The firing
 * weights come out near 0.3 per frame (5 tokens per second, like Mandarin speech),
 * so the decoder works on a realistic number of tokens.
 *
 *   bun scripts/synthetic/paraformer-release.ts OUT_DIR [--encoder-blocks N] [--decoder-blocks N] [--variant bicif|seaco]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { PARAFORMER_LARGE_PREDICTOR, cifPredictorTensors } from "../../src/models/cif-predictor";
import { PARAFORMER_LARGE_DECODER, PARAFORMER_TRAINING_EMBEDDING, paraformerDecoderTensors } from "../../src/models/paraformer-decoder";
import { PARAFORMER_LARGE_ENCODER, senseVoiceEncoderTensors } from "../../src/models/sensevoice-encoder";
import { randomFloat32Bytes, writeTorchCheckpoint, type TorchTensorSpec } from "./pytorch-checkpoint";

export interface ParaformerReleaseOptions {
  /** Encoder blocks (encoders0 included); default 50. */
  readonly encoderBlocks?: number;
  /** Decoder layers with cross-attention; default 16. */
  readonly decoderBlocks?: number;
  /** Add BiCif-Paraformer's second predictor head, or SeACo-Paraformer's hot-word bias modules (checkpoints the family refuses). */
  readonly variant?: "bicif" | "seaco";
  readonly seed?: number;
  /** Save `{key: state_dict}` (FunASR's loader unwraps state_dict, model_state_dict and model). */
  readonly wrapKey?: string;
  /** Before every key, as a state dict saved from DataParallel has `module.`. */
  readonly keyPrefix?: string;
}

const RANDOM_STD = 0.02;

/** Uniform random float32 bytes with standard deviation `std`. */
function randomBytes(count: number, seed: number, std: number): Uint8Array {
  const bytes = randomFloat32Bytes(count, seed);
  const values = new Float32Array(bytes.buffer, bytes.byteOffset, count);
  for (let i = 0; i < count; i++) values[i] = values[i]! * (std / RANDOM_STD);
  return bytes;
}

function constantBytes(count: number, value: number): Uint8Array {
  return new Uint8Array(new Float32Array(count).fill(value).buffer);
}

/** Logit of 0.3: the firing weight of a frame when the output layer's weights are near zero. */
const FIRING_BIAS = Math.log(0.3 / 0.7);

/** How a tensor is initialised: LayerNorms as identity, matrices at 1/√fan-in, biases small. */
function initialValues(name: string, shape: readonly number[], seed: number): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (/norm\d*\.weight$|after_norm\.weight$|feed_forward\.norm\.weight$/.test(name)) return constantBytes(count, 1);
  if (/norm\d*\.bias$|after_norm\.bias$|feed_forward\.norm\.bias$/.test(name)) return constantBytes(count, 0);
  if (name === "predictor.cif_output.bias") return constantBytes(count, FIRING_BIAS);
  if (name === "predictor.cif_output.weight") return randomBytes(count, seed, 1e-3);
  if (name.endsWith(".bias")) return randomBytes(count, seed, 0.02);
  const fanIn = shape.length > 1 ? shape.slice(1).reduce((a, b) => a * b, 1) : 1;
  return randomBytes(count, seed, 1 / Math.sqrt(fanIn));
}

export function paraformerReleaseShapes(options: ParaformerReleaseOptions = {}): Map<string, number[]> {
  const encoder = { ...PARAFORMER_LARGE_ENCODER, encoder_conf: { ...PARAFORMER_LARGE_ENCODER.encoder_conf, num_blocks: options.encoderBlocks ?? 50 } };
  const layers = options.decoderBlocks ?? 16;
  const decoder = { ...PARAFORMER_LARGE_DECODER, decoder_conf: { ...PARAFORMER_LARGE_DECODER.decoder_conf, num_blocks: layers, att_layer_num: layers } };
  const shapes = new Map<string, number[]>();
  for (const [name, shape] of senseVoiceEncoderTensors(encoder)) shapes.set(`encoder.${name}`, shape);
  for (const [name, shape] of cifPredictorTensors(PARAFORMER_LARGE_PREDICTOR)) shapes.set(`predictor.${name}`, shape);
  if (options.variant === "bicif") {
    shapes.set("predictor.upsample_cnn.weight", [512, 512, 3]);
    shapes.set("predictor.upsample_cnn.bias", [512]);
    shapes.set("predictor.cif_output2.weight", [1, 512]);
    shapes.set("predictor.cif_output2.bias", [1]);
  }
  if (options.variant === "seaco") {
    shapes.set("bias_embed.weight", [8404, 512]);
    shapes.set("bias_encoder.weight_ih_l0", [2048, 512]);
    shapes.set("bias_encoder.weight_hh_l0", [2048, 512]);
    shapes.set("hotword_output_layer.weight", [8404, 512]);
  }
  shapes.set(`decoder.${PARAFORMER_TRAINING_EMBEDDING}`, [decoder.vocab_size, decoder.encoder_output_size]);
  for (const [name, shape] of paraformerDecoderTensors(decoder)) shapes.set(`decoder.${name}`, shape);
  return shapes;
}

/** FunASR's `template.yaml` for Paraformer with paraformer-large's sizes (the fields inference reads, and a few it does not). */
function configYaml(options: ParaformerReleaseOptions): string {
  const e = PARAFORMER_LARGE_ENCODER.encoder_conf;
  const d = PARAFORMER_LARGE_DECODER.decoder_conf;
  const layers = options.decoderBlocks ?? 16;
  return stringify({
    model: { bicif: "BiCifParaformer", seaco: "SeacoParaformer", plain: "Paraformer" }[options.variant ?? "plain"],
    model_conf: { ctc_weight: 0.0, lsm_weight: 0.1, length_normalized_loss: true, predictor_weight: 1.0, predictor_bias: 1, sampling_ratio: 0.75 },
    encoder: "SANMEncoder",
    encoder_conf: {
      output_size: e.output_size,
      attention_heads: e.attention_heads,
      linear_units: e.linear_units,
      num_blocks: options.encoderBlocks ?? 50,
      dropout_rate: 0.1,
      positional_dropout_rate: 0.1,
      attention_dropout_rate: 0.1,
      input_layer: "pe",
      pos_enc_class: "SinusoidalPositionEncoder",
      normalize_before: true,
      kernel_size: e.kernel_size,
      sanm_shfit: 0,
      selfattention_layer_type: "sanm",
    },
    decoder: "ParaformerSANMDecoder",
    decoder_conf: { attention_heads: d.attention_heads, linear_units: d.linear_units, num_blocks: layers, dropout_rate: 0.1, att_layer_num: layers, kernel_size: d.kernel_size, sanm_shfit: 0 },
    predictor: "CifPredictorV2",
    predictor_conf: { idim: 512, threshold: 1.0, l_order: 1, r_order: 1, tail_threshold: 0.45 },
    frontend: "WavFrontend",
    frontend_conf: { fs: 16000, window: "hamming", n_mels: 80, frame_length: 25, frame_shift: 10, lfr_m: 7, lfr_n: 6 },
    specaug: "SpecAugLFR",
    tokenizer: "CharTokenizer",
    tokenizer_conf: { unk_symbol: "<unk>", split_with_space: true },
    normalize: null,
  });
}

/** Kaldi nnet1 CMVN text: `<AddShift>` (minus a mean of log-mel energies) and `<Rescale>` (an inverse deviation). */
function amMvn(dim: number): string {
  const vector = (f: (i: number) => number) => Array.from({ length: dim }, (_, i) => f(i).toFixed(5)).join(" ");
  return [
    "<Nnet>",
    `<Splice> ${dim} ${dim}`,
    "[ 0 ]",
    `<AddShift> ${dim} ${dim}`,
    `<LearnRateCoef> 0 [ ${vector((i) => -(10 + 4 * Math.sin(i / 13)))} ]`,
    `<Rescale> ${dim} ${dim}`,
    `<LearnRateCoef> 0 [ ${vector((i) => 0.25 + 0.05 * Math.cos(i / 7))} ]`,
    "</Nnet>",
    "",
  ].join("\n");
}

/** vocab8404's frame: blank, <s>, </s>, characters, <unk> last. */
function tokens(size: number): string[] {
  const body = Array.from({ length: size - 4 }, (_, i) => String.fromCodePoint(0x4e00 + i));
  return ["<blank>", "<s>", "</s>", ...body, "<unk>"];
}

export function writeParaformerRelease(dir: string, options: ParaformerReleaseOptions = {}): string {
  mkdirSync(dir, { recursive: true });
  const seed = options.seed ?? 1;
  const specs: TorchTensorSpec[] = [...paraformerReleaseShapes(options)].map(([name, shape], i) => ({
    name: `${options.keyPrefix ?? ""}${name}`,
    dtype: "float32",
    shape,
    data: () => initialValues(name, shape, seed * 100_003 + i),
  }));
  writeTorchCheckpoint(join(dir, "model.pt"), specs, { folder: "model", wrapKey: options.wrapKey });
  writeFileSync(join(dir, "config.yaml"), configYaml(options));
  writeFileSync(join(dir, "am.mvn"), amMvn(560));
  writeFileSync(join(dir, "tokens.json"), `${JSON.stringify(tokens(PARAFORMER_LARGE_DECODER.vocab_size), null, 4)}\n`);
  return dir;
}

if (import.meta.main) {
  const [out, ...rest] = process.argv.slice(2);
  const flag = (name: string) => {
    const i = rest.indexOf(name);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  const count = (name: string) => (flag(name) === undefined ? undefined : Number(flag(name)));
  if (!out) {
    process.stderr.write("usage: bun scripts/synthetic/paraformer-release.ts OUT_DIR [--encoder-blocks N] [--decoder-blocks N] [--variant bicif|seaco]\n");
    process.exit(2);
  }
  const variant = flag("--variant") === "bicif" ? "bicif" : flag("--variant") === "seaco" ? "seaco" : undefined;
  writeParaformerRelease(out, { encoderBlocks: count("--encoder-blocks"), decoderBlocks: count("--decoder-blocks"), variant });
  process.stdout.write(`${out}\n`);
}
