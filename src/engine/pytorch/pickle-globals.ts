/**
 * The allow-list of globals a state-dict pickle may name, and what "calling" one
 * (REDUCE) makes. Each allowed callable is re-implemented here as a constructor of
 * inert data; every other global is refused when the pickle names it, before any
 * call. Python 2 module names (`__builtin__`) are listed under their own name, so
 * refusals quote the pickle verbatim.
 */
import { DTYPES_BY_NAME, UNCONVERTIBLE_DTYPE_NAMES, UNSUPPORTED_STORAGES, storageDtype } from "./torch-dtypes";
import { BadCallError, PickleDict, UnconvertibleError, PickleGlobal, PickleTuple, TorchDtypeValue, TorchStorage, TorchTensor, describeValue, type PickleValue } from "./pickle-values";
import { makeTensor } from "./tensor-geometry";

export type GlobalResolution =
  | { readonly kind: "value"; readonly value: PickleValue }
  | { readonly kind: "refused" }
  | { readonly kind: "unsupported"; readonly detail: string };

const CALLABLES = new Set([
  "collections.OrderedDict",
  "torch._utils._rebuild_tensor_v2",
  "torch._utils._rebuild_tensor_v3",
  "torch._utils._rebuild_tensor",
  "torch._utils._rebuild_parameter",
  "torch._utils._rebuild_parameter_with_state",
  "torch.Size",
  "_codecs.encode",
]);

/** What GLOBAL `module name` pushes, or why it is not pushed. */
export function resolveGlobal(module: string, name: string): GlobalResolution {
  const qualified = `${module}.${name}`;
  if (CALLABLES.has(qualified) || storageDtype(module, name)) return { kind: "value", value: new PickleGlobal(module, name) };
  if (module === "torch") {
    const dtype = DTYPES_BY_NAME.get(name);
    if (dtype) return { kind: "value", value: new TorchDtypeValue(name, dtype) };
    if (UNCONVERTIBLE_DTYPE_NAMES.has(name)) return { kind: "value", value: new TorchDtypeValue(name, null) };
    if (UNSUPPORTED_STORAGES.has(name)) return { kind: "unsupported", detail: `holds ${name} tensors (complex or quantized), which cannot be converted` };
  }
  return { kind: "refused" };
}

function arg(args: readonly PickleValue[], i: number, fn: string): PickleValue {
  if (i >= args.length) throw new BadCallError(`${fn} takes at least ${i + 1} arguments, got ${args.length}`);
  return args[i]!;
}

function tensorArg(args: readonly PickleValue[], fn: string): TorchTensor {
  const data = arg(args, 0, fn);
  if (!(data instanceof TorchTensor)) throw new BadCallError(`${fn} expects a tensor, got ${describeValue(data)}`);
  return data;
}

function storageArg(args: readonly PickleValue[], fn: string): TorchStorage {
  const storage = arg(args, 0, fn);
  if (!(storage instanceof TorchStorage)) throw new BadCallError(`${fn} expects a storage, got ${describeValue(storage)}`);
  return storage;
}

function dictFromPairs(pairs: PickleValue, fn: string): PickleDict {
  const dict = new PickleDict();
  const items = Array.isArray(pairs) ? pairs : pairs instanceof PickleTuple ? pairs.items : null;
  if (!items) throw new BadCallError(`${fn} expects a list of pairs, got ${describeValue(pairs)}`);
  for (const pair of items) {
    const kv = Array.isArray(pair) ? pair : pair instanceof PickleTuple ? pair.items : null;
    if (!kv || kv.length !== 2) throw new BadCallError(`${fn} expects (key, value) pairs`);
    dict.entries.set(kv[0]!, kv[1]!);
  }
  return dict;
}

function encode(args: readonly PickleValue[]): Uint8Array {
  const [text, encoding] = args;
  if (typeof text !== "string" || args.length > 2) throw new BadCallError("_codecs.encode expects (str, encoding)");
  if (encoding === "latin1" || encoding === "latin-1") {
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code > 255) throw new BadCallError("_codecs.encode: character outside latin-1");
      bytes[i] = code;
    }
    return bytes;
  }
  if (encoding === undefined || encoding === "utf-8" || encoding === "utf8") return new TextEncoder().encode(text);
  throw new BadCallError(`_codecs.encode: unsupported encoding ${typeof encoding === "string" ? `"${encoding}"` : describeValue(encoding)}`);
}

/** REDUCE: `fn(*args)` for an allow-listed callable. */
export function callGlobal(fn: PickleGlobal, args: readonly PickleValue[]): PickleValue {
  const name = fn.qualifiedName;
  switch (name) {
    case "collections.OrderedDict":
      if (args.length === 0) return new PickleDict();
      if (args.length === 1) return dictFromPairs(args[0]!, name);
      throw new BadCallError(`${name} takes at most 1 argument, got ${args.length}`);
    case "torch._utils._rebuild_tensor_v2":
    case "torch._utils._rebuild_tensor": {
      const storage = storageArg(args, name);
      return makeTensor(storage, storage.dtype, arg(args, 1, name), arg(args, 2, name), arg(args, 3, name));
    }
    case "torch._utils._rebuild_tensor_v3": {
      const storage = storageArg(args, name);
      const dtype = arg(args, 6, name);
      if (!(dtype instanceof TorchDtypeValue)) throw new BadCallError(`${name} expects a dtype as its 7th argument, got ${describeValue(dtype)}`);
      if (!dtype.dtype) throw new UnconvertibleError(`holds torch.${dtype.name} tensors, which cannot be converted`);
      return makeTensor(storage, dtype.dtype, arg(args, 1, name), arg(args, 2, name), arg(args, 3, name));
    }
    case "torch._utils._rebuild_parameter":
    case "torch._utils._rebuild_parameter_with_state":
      return tensorArg(args, name);
    case "torch.Size":
      if (args.length !== 1 || !(args[0] instanceof PickleTuple)) throw new BadCallError(`${name} expects one tuple`);
      return args[0];
    case "_codecs.encode":
      return encode(args);
    default:
      throw new BadCallError(`${name} is a type name, not something a checkpoint may call`);
  }
}
