/**
 * What the unpickler builds: plain data (None, bools, numbers, strings, bytes,
 * lists, tuples, dicts) plus the few torch objects a state dict holds, as inert
 * descriptions. Nothing here can run code.
 */
import type { TorchDtype } from "./torch-dtypes";

/** A Python tuple (lists are plain arrays). */
export class PickleTuple {
  constructor(readonly items: readonly PickleValue[]) {}
}

/** A Python dict or `collections.OrderedDict`, in insertion order. */
export class PickleDict {
  readonly entries = new Map<PickleValue, PickleValue>();
  /** Attributes set through BUILD, e.g. a state dict's `_metadata`. */
  readonly attributes = new Map<string, PickleValue>();
}

/** An allow-listed global (`module.name`), kept as a name; only the unpickler's table gives it meaning. */
export class PickleGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}

  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

/** A `torch.float32`-style dtype object pickled as a value; `dtype` is null for ones that cannot be converted (complex, float8, …). */
export class TorchDtypeValue {
  constructor(
    readonly name: string,
    readonly dtype: TorchDtype | null,
  ) {}
}

/** A storage named by a persistent id: `key` locates its bytes in the checkpoint. */
export class TorchStorage {
  constructor(
    readonly key: string,
    readonly dtype: TorchDtype,
    /** Elements (not bytes). */
    readonly numel: number,
  ) {}
}

/**
 * A tensor as `torch._utils._rebuild_tensor_v2`/`_v3` would make it: a strided
 * view of a storage, in elements of its dtype (which differs from the storage's
 * only over an untyped, byte storage).
 */
export class TorchTensor {
  constructor(
    readonly storage: TorchStorage,
    readonly dtype: TorchDtype,
    readonly offset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
  ) {}

  get numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
}

export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | PickleTuple
  | PickleDict
  | PickleGlobal
  | TorchDtypeValue
  | TorchStorage
  | TorchTensor;

/** A short description of a value's kind for error messages. */
export function describeValue(v: PickleValue): string {
  if (v === null) return "None";
  if (Array.isArray(v)) return "a list";
  if (v instanceof Uint8Array) return "bytes";
  if (v instanceof PickleTuple) return "a tuple";
  if (v instanceof PickleDict) return "a dict";
  if (v instanceof PickleGlobal) return `the global ${v.qualifiedName}`;
  if (v instanceof TorchDtypeValue) return `torch.${v.name}`;
  if (v instanceof TorchStorage) return "a storage";
  if (v instanceof TorchTensor) return "a tensor";
  return `a ${typeof v}`;
}

/** Arguments that do not fit an allow-listed callable; the unpickler adds where it happened. */
export class BadCallError extends Error {}

/** A well-formed value of a kind that cannot be converted (complex, float8 tensors). */
export class UnconvertibleError extends Error {}
