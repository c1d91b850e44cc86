/** What flows between `inspect` stages: audio files, or tensors with their batch layout and provenance. */
import { padBatch, unpadBatch } from "../../engine/batch";
import type { Tensor } from "../../engine/mlx";

export type StageValue =
  | { readonly kind: "audio"; readonly files: string[] }
  | {
      readonly kind: "tensors";
      readonly stage: string;
      /**
       * Without `batchAxis`: the single item without a batch axis, or `[B, Tmax, ...]`
       * when batched. With it: always `[B, T, ...]` (`[1, T, ...]` for one item).
       */
      readonly data: Tensor;
      readonly batchAxis: boolean;
      /** Valid length of each batch row; null for a single item. */
      readonly lengths: number[] | null;
      /** Further tensors written next to the main one. */
      readonly extra: Record<string, Tensor>;
      /** Where each item came from (audio file or input file), for error messages. */
      readonly sources: string[];
      /** Tensors the next stage needs besides this one's output, not written (e.g. the encoder frames a decoder attends to). */
      readonly carried?: Readonly<Record<string, Tensor>>;
    };

export type TensorValue = Extract<StageValue, { kind: "tensors" }>;

export function expectTensors(value: StageValue): TensorValue {
  if (value.kind !== "tensors") throw new Error("stage input must be tensors");
  return value;
}

/** The items of a value, each without a batch axis and without padding. */
export function items(value: TensorValue): Tensor[] {
  if (value.lengths) return unpadBatch({ data: value.data, lengths: value.lengths });
  return [value.batchAxis ? value.data.index(0) : value.data];
}

/** A padded batch `[B, Tmax, ...]` of a value with the length of every row. */
export function batchOf(value: TensorValue): { data: Tensor; lengths: number[] } {
  if (value.lengths) return { data: value.data, lengths: value.lengths };
  const data = value.batchAxis ? value.data : value.data.reshape([1, ...value.data.shape]);
  return { data, lengths: [data.shape[1]!] };
}

/** A value from per-item tensors (padded into a batch when there are several). */
export function fromItems(stage: string, list: Tensor[], batched: boolean, sources: string[]): TensorValue {
  if (!batched) return { kind: "tensors", stage, data: list[0]!, batchAxis: false, lengths: null, extra: {}, sources };
  const { data, lengths } = padBatch(list);
  return { kind: "tensors", stage, data, batchAxis: false, lengths, extra: {}, sources };
}

/** A value with a batch axis; `lengths` kept only for a real batch. */
export function batched(stage: string, data: Tensor, lengths: readonly number[], isBatch: boolean, sources: string[], extra: Record<string, Tensor> = {}): TensorValue {
  return { kind: "tensors", stage, data, batchAxis: true, lengths: isBatch ? [...lengths] : null, extra, sources };
}
