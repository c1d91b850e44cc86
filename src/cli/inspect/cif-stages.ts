/**
 * `inspect` stages of CIF families (Paraformer): encoder; predictor (`cif_alphas`,
 * `token_num`, `fire_positions`, `acoustic_embeds`, and FunASR's `cif_alphas_tail`
 * and `cif_peaks`); logits (the decoder's one parallel pass: `decoder_logits` and
 * `greedy_tokens`), which reads `encoder_out` and `acoustic_embeds` from one file.
 * A batch is right-padded with int32 `lengths` (frames), `token_num` and
 * `token_lengths` (tokens); rows past a member's count are padding.
 */
import { loadSafetensors } from "../../engine/safetensors";
import { mx, type Tensor } from "../../engine/mlx";
import { toTensor } from "../../engine/transfer";
import { ModelFileError, UsageError } from "../../errors";
import type { ParallelDecoder, TokenFiring, TokenPredictor } from "../../nn/parts";
import type { ModelParts } from "../../pipeline/model-parts";
import { encoderStage } from "./encoder-stage";
import { batchOf, expectTensors, type TensorValue } from "./stage-value";
import type { StageDefinition } from "./stages";

const int32 = (values: readonly number[]) => mx.array([...values], mx.int32);

/** `[B, longest]` of per-member float rows, zero-padded. */
function paddedRows(rows: readonly Float32Array[]): Tensor {
  const longest = Math.max(...rows.map((r) => r.length));
  const flat = new Float32Array(rows.length * longest);
  rows.forEach((r, b) => flat.set(r, b * longest));
  return toTensor(flat, [rows.length, longest]);
}

/** `[B, longest]` fire positions, −1 past a member's tokens. */
function paddedFires(members: readonly TokenFiring[]): Tensor {
  const longest = Math.max(0, ...members.map((m) => m.tokenCount));
  const flat = new Int32Array(members.length * longest).fill(-1);
  members.forEach((m, b) => flat.set(m.firePositions, b * longest));
  return toTensor(flat, [members.length, longest]);
}

/** What the logits stage needs: the encoder frames and the token embeddings, with their lengths. */
function decoderInput(frames: Tensor, frameLengths: readonly number[], embeddings: Tensor, tokenCounts: readonly number[]): Record<string, Tensor> {
  return { encoder_out: frames, lengths: int32(frameLengths), acoustic_embeds: embeddings, token_lengths: int32(tokenCounts) };
}

/** Reads `decoder_input.safetensors`: `encoder_out` and `acoustic_embeds`, one utterance or a batch (`lengths`, `token_lengths`). */
function readDecoderInput(file: string): TensorValue {
  const tensors = loadSafetensors(file);
  const missing = ["encoder_out", "acoustic_embeds", ...(tensors.lengths ? ["token_lengths"] : [])].filter((name) => !tensors[name]);
  if (missing.length) {
    throw new ModelFileError("INPUT_TENSOR_MISSING", file, `holds no ${missing.map((m) => `"${m}"`).join(", ")} (the logits stage reads encoder_out and acoustic_embeds); it has: ${Object.keys(tensors).join(", ")}`);
  }
  const asBatch = (t: Tensor) => (t.ndim === 2 ? t.reshape([1, ...t.shape]) : t).astype(mx.float32);
  const frames = asBatch(tensors.encoder_out!);
  const embeddings = asBatch(tensors.acoustic_embeds!);
  const batch = tensors.lengths !== undefined;
  const frameLengths = batch ? (tensors.lengths!.tolist() as number[]) : [frames.shape[1]!];
  const tokenCounts = batch ? (tensors.token_lengths!.tolist() as number[]) : [embeddings.shape[1]!];
  return {
    kind: "tensors",
    stage: "predictor",
    data: embeddings,
    batchAxis: true,
    lengths: batch ? tokenCounts : null,
    extra: {},
    sources: [file],
    carried: decoderInput(frames, frameLengths, embeddings, tokenCounts),
  };
}

export function cifStages(parts: ModelParts): StageDefinition[] {
  const predictor: StageDefinition = {
    name: "predictor",
    previous: "encoder",
    tensor: "cif_alphas",
    itemRank: 1,
    async run(input) {
      const value = expectTensors(input);
      const { data, lengths } = batchOf(value);
      const frames = data.astype(mx.float32);
      const out = (await parts.network<TokenPredictor>("predictor")).predict(frames, lengths);
      const counts = out.members.map((m) => m.tokenCount);
      const carried = decoderInput(frames, lengths, out.embeddings, counts);
      const base = { kind: "tensors" as const, stage: "predictor", batchAxis: false, sources: value.sources, carried };
      // The engine cannot write empty tensors: without any token there are no fires and no embeddings to write.
      const fired = Math.max(...counts) > 0;
      if (value.lengths === null) {
        const [member] = out.members;
        return {
          ...base,
          data: out.alphas.index(0),
          lengths: null,
          extra: {
            token_num: int32([member!.tokenCount]),
            ...(fired && { fire_positions: int32(member!.firePositions), acoustic_embeds: out.embeddings.index(0) }),
            cif_alphas_tail: toTensor(member!.tailAlphas),
            cif_peaks: toTensor(member!.peaks),
          },
        };
      }
      return {
        ...base,
        data: out.alphas,
        lengths: [...lengths],
        extra: {
          token_num: int32(counts),
          ...(fired && { fire_positions: paddedFires(out.members), acoustic_embeds: out.embeddings }),
          cif_alphas_tail: paddedRows(out.members.map((m) => m.tailAlphas)),
          cif_peaks: paddedRows(out.members.map((m) => m.peaks)),
        },
      };
    },
  };
  const logits: StageDefinition = {
    name: "logits",
    previous: "predictor",
    tensor: "decoder_logits",
    itemRank: 2,
    readInput: readDecoderInput,
    async run(input) {
      const value = expectTensors(input);
      const carried = value.carried;
      if (!carried?.encoder_out || !carried.acoustic_embeds) throw new Error("the logits stage needs the predictor's encoder frames and token embeddings");
      const frameLengths = carried.lengths!.tolist() as number[];
      const tokenCounts = carried.token_lengths!.tolist() as number[];
      const embeddings = carried.acoustic_embeds;
      const decoder = await parts.network<ParallelDecoder>("nar_decoder");
      if (embeddings.shape[1] === 0) {
        throw new UsageError("NO_TOKENS", value.sources.join(", "), "the predictor fires no token here, so the decoder has nothing to score (FunASR returns an empty result too)");
      }
      const scores = decoder.decode(embeddings, tokenCounts, carried.encoder_out, frameLengths);
      const greedy = mx.argmax(scores, -1).astype(mx.int32);
      mx.eval(greedy);
      const isBatch = value.lengths !== null;
      const extra: Record<string, Tensor> = isBatch ? { greedy_tokens: greedy, token_lengths: int32(tokenCounts) } : { greedy_tokens: greedy.index(0) };
      return {
        kind: "tensors",
        stage: "logits",
        data: isBatch ? scores : scores.index(0),
        batchAxis: false,
        lengths: null,
        extra,
        sources: value.sources,
      };
    },
  };
  return [encoderStage(parts), predictor, logits];
}
