/**
 * A tensor's view of its storage (offset, sizes, strides, in elements): checked
 * to stay inside the storage when it is made, and classified as one contiguous
 * run or not.
 */
import { UINT8, type TorchDtype } from "./torch-dtypes";
import { BadCallError, PickleTuple, TorchStorage, TorchTensor, describeValue, type PickleValue } from "./pickle-values";

/** More dimensions than any real tensor has; a bound so a hostile file cannot make huge loops. */
const MAX_DIMS = 64;

function isIndex(v: PickleValue): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

function indexList(v: PickleValue, what: string): number[] {
  const items = v instanceof PickleTuple ? v.items : Array.isArray(v) ? v : null;
  if (!items || items.length > MAX_DIMS || !items.every(isIndex)) {
    throw new BadCallError(`tensor ${what} must be a tuple of at most ${MAX_DIMS} non-negative integers, got ${describeValue(v)}`);
  }
  return items as number[];
}

/** Index of the last element a view touches, or -1 for an empty view; throws past 2^53. */
export function lastIndex(offset: number, shape: readonly number[], stride: readonly number[]): number {
  if (shape.includes(0)) return -1;
  let last = offset;
  for (let d = 0; d < shape.length; d++) {
    last += (shape[d]! - 1) * stride[d]!;
    if (!Number.isSafeInteger(last)) throw new BadCallError("tensor view reaches past 2^53 elements");
  }
  return last;
}

/** Elements of `dtype` a storage holds: its own elements, or its bytes regrouped when it is untyped. */
function capacity(storage: TorchStorage, dtype: TorchDtype): number {
  if (dtype === storage.dtype) return storage.numel;
  if (storage.dtype !== UINT8) throw new BadCallError(`a ${dtype.name} tensor over a ${storage.dtype.name} storage; only untyped storages hold other dtypes`);
  return Math.floor(storage.numel / dtype.bytes);
}

export function makeTensor(storage: TorchStorage, dtype: TorchDtype, offset: PickleValue, size: PickleValue, stride: PickleValue): TorchTensor {
  if (!isIndex(offset)) throw new BadCallError(`tensor storage offset must be a non-negative integer, got ${describeValue(offset)}`);
  const shape = indexList(size, "size");
  const strides = indexList(stride, "stride");
  if (shape.length !== strides.length) throw new BadCallError(`tensor size has ${shape.length} dimensions but stride has ${strides.length}`);
  let numel = 1;
  for (const n of shape) {
    numel *= n;
    if (!Number.isSafeInteger(numel)) throw new BadCallError(`tensor size [${shape.join(", ")}] has more than 2^53 elements`);
  }
  const last = lastIndex(offset, shape, strides);
  const elements = capacity(storage, dtype);
  if (last >= elements) {
    throw new BadCallError(
      `tensor of size [${shape.join(", ")}], stride [${strides.join(", ")}] at offset ${offset} reaches element ${last} of a storage of ${elements} ${dtype.name} elements`,
    );
  }
  return new TorchTensor(storage, dtype, offset, shape, strides);
}

/** True when the view is the elements [offset, offset + numel) in row-major order. */
export function isContiguous(tensor: TorchTensor): boolean {
  let expected = 1;
  for (let d = tensor.shape.length - 1; d >= 0; d--) {
    const n = tensor.shape[d]!;
    if (n === 0) return true;
    if (n !== 1 && tensor.stride[d] !== expected) return false;
    expected *= n;
  }
  return true;
}
