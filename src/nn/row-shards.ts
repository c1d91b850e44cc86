/**
 * A matrix split by output rows into views (no copy), one per parallel stream,
 * so a single-row product runs on every core at once (see engine/streams.ts) —
 * unless the BLAS already runs it on every core.
 */
import { blasThreadsVectorProducts } from "../engine/blas";
import { rowParallelStreams } from "../engine/streams";
import { mx, type Tensor } from "../engine/mlx";
import type { ParamCursor } from "./module";

/** Matrices smaller than this stay whole: the streams' overhead would outweigh the gain. */
const MIN_SHARDED_ROWS = 512;

export interface RowShards {
  /** For each stream, the same-named tensors (weight, scales, …) cut to its rows. */
  readonly parts: readonly (readonly Tensor[])[];
  readonly streams: ReturnType<typeof rowParallelStreams>;
}

/** Who computes a single-row product: the BLAS (float weights) or the engine's own kernels (quantized). */
export type RowProduct = "blas" | "engine";

/** Splits tensors that share their first axis (a weight and its scales/biases/bias), or null. */
export function shardRows(tensors: readonly Tensor[], product: RowProduct): RowShards | null {
  if (product === "blas" && blasThreadsVectorProducts()) return null;
  const streams = rowParallelStreams();
  const rows = tensors[0]!.shape[0]!;
  if (streams.length < 2 || rows < MIN_SHARDED_ROWS) return null;
  const bounds = streams.map((_, i) => Math.round((i * rows) / streams.length)).concat(rows);
  const parts = streams.map((_, i) => tensors.map((t) => t.index(mx.Slice(bounds[i]!, bounds[i + 1]!))));
  return { parts, streams };
}

/** `apply(x, part, stream)` on every shard at once; outputs concatenated along the last axis. */
export function applyShards(shards: RowShards, x: Tensor, apply: (x: Tensor, part: readonly Tensor[], stream: RowShards["streams"][number]) => Tensor): Tensor {
  return mx.concatenate(
    shards.parts.map((part, i) => apply(x, part, shards.streams[i]!)),
    -1,
  );
}

/** `applyShards` inside a compiled function: each shard's tensors are read from `params`, in stream order. */
export function callShards(shards: RowShards, x: Tensor, params: ParamCursor, apply: (x: Tensor, part: readonly Tensor[], stream: RowShards["streams"][number]) => Tensor): Tensor {
  return mx.concatenate(
    shards.parts.map((part, i) => apply(x, part.map(() => params.next()), shards.streams[i]!)),
    -1,
  );
}

/** The tensors `callShards` reads, in its order; the signature part telling how many streams. */
export function shardModule(shards: RowShards | null, whole: readonly Tensor[], signature: string): { params: readonly Tensor[]; signature: string } {
  return shards ? { params: shards.parts.flat(), signature: `${signature}/rows${shards.parts.length}` } : { params: whole, signature };
}

/** Whether `x` holds a single row of features (a decode step). */
export function isSingleRow(x: Tensor): boolean {
  return x.size === x.shape[x.ndim - 1];
}
