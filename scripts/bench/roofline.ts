/**
 * What a decoder step must read and a prefill must compute, from the config:
 * the bytes behind the decode roofline (weights once per token, the tied
 * embedding again as the LM head, the KV cache at that context) and the FLOPs
 * behind the prefill's GEMM ratio. On the CPU everything float is float32.
 */
import { headDim, type Qwen3Config } from "../../src/models/qwen3-decoder";
import type { WeightKind } from "./models";

const FLOAT_BYTES = 4;
const GROUP_SIZE = 64;

/** Bytes per matrix weight: float32, or packed codes plus a float32 scale and bias per group of 64. */
export function bytesPerWeight(kind: WeightKind): number {
  if (kind === "float32") return FLOAT_BYTES;
  const bits = kind === "int8" ? 8 : 4;
  return bits / 8 + (2 * FLOAT_BYTES) / GROUP_SIZE;
}

/** Weights of the q/k/v/o and gate/up/down projections of all layers. */
export function projectionParameters(c: Qwen3Config): number {
  const hd = headDim(c);
  const h = c.hidden_size;
  const attention = 2 * c.num_attention_heads * hd * h + 2 * c.num_key_value_heads * hd * h;
  const mlp = 3 * c.intermediate_size * h;
  return c.num_hidden_layers * (attention + mlp);
}

export function normParameters(c: Qwen3Config): number {
  return c.num_hidden_layers * (2 * c.hidden_size + 2 * headDim(c)) + c.hidden_size;
}

function headParameters(c: Qwen3Config): number {
  return c.vocab_size * c.hidden_size;
}

/** Bytes the loaded weights occupy (the tied embedding is held once). */
export function residentWeightBytes(c: Qwen3Config, kind: WeightKind): number {
  const matrices = projectionParameters(c) + headParameters(c) * (c.tie_word_embeddings ? 1 : 2);
  return matrices * bytesPerWeight(kind) + normParameters(c) * FLOAT_BYTES;
}

/** Bytes of keys and values for `positions` positions over all layers (float32). */
export function kvCacheBytes(c: Qwen3Config, positions: number): number {
  return c.num_hidden_layers * 2 * c.num_key_value_heads * headDim(c) * positions * FLOAT_BYTES;
}

export interface DecodeBytes {
  /** Projections + LM head (the tied embedding read as a matrix) + norms + one embedding row. */
  readonly weights: number;
  /** Keys and values read by attention at the given context. */
  readonly kvCache: number;
  readonly total: number;
}

/** Bytes one decode step reads with `context` positions in the cache. */
export function decodeBytesPerToken(c: Qwen3Config, kind: WeightKind, context: number): DecodeBytes {
  const bpw = bytesPerWeight(kind);
  const weights = (projectionParameters(c) + headParameters(c)) * bpw + normParameters(c) * FLOAT_BYTES + c.hidden_size * bpw;
  const kvCache = kvCacheBytes(c, context);
  return { weights, kvCache, total: weights + kvCache };
}

/**
 * FLOPs of a prefill of `positions` positions from input embeddings: the
 * projections for every position, attention as the full `L×L` score and value
 * products that the fused kernel computes under the causal mask, and the LM head
 * for the last position only.
 */
export function prefillFlops(c: Qwen3Config, positions: number): number {
  const projections = 2 * positions * projectionParameters(c);
  const attention = c.num_hidden_layers * 2 * 2 * positions * positions * c.num_attention_heads * headDim(c);
  return projections + attention + 2 * headParameters(c);
}
