/**
 * The element types a PyTorch checkpoint can store, named by the storage classes
 * `torch.save` pickles (`torch.FloatStorage`, …; `torch.UntypedStorage` is bytes),
 * with their safetensors names.
 */

export interface TorchDtype {
  /** PyTorch's name, e.g. "float32". */
  readonly name: string;
  readonly bytes: 1 | 2 | 4 | 8;
  /** The safetensors dtype, e.g. "F32". */
  readonly safetensors: string;
}

const dtype = (name: string, bytes: TorchDtype["bytes"], safetensors: string): TorchDtype => ({ name, bytes, safetensors });

export const FLOAT32 = dtype("float32", 4, "F32");
export const FLOAT64 = dtype("float64", 8, "F64");
export const UINT8 = dtype("uint8", 1, "U8");

/** Storage class name (in module `torch`) → element type. */
export const STORAGE_DTYPES: ReadonlyMap<string, TorchDtype> = new Map([
  ["FloatStorage", FLOAT32],
  ["DoubleStorage", FLOAT64],
  ["HalfStorage", dtype("float16", 2, "F16")],
  ["BFloat16Storage", dtype("bfloat16", 2, "BF16")],
  ["LongStorage", dtype("int64", 8, "I64")],
  ["IntStorage", dtype("int32", 4, "I32")],
  ["ShortStorage", dtype("int16", 2, "I16")],
  ["CharStorage", dtype("int8", 1, "I8")],
  ["ByteStorage", UINT8],
  ["BoolStorage", dtype("bool", 1, "BOOL")],
  ["UntypedStorage", UINT8],
]);

/**
 * The element type of a storage class named `module.name` (`torch.FloatStorage`,
 * `torch.storage.UntypedStorage`, and `torch.cuda.FloatStorage` in checkpoints
 * that older torch saved from a GPU), if it is one.
 */
export function storageDtype(module: string, name: string): TorchDtype | undefined {
  if (module === "torch" || module === "torch.cuda") return STORAGE_DTYPES.get(name);
  if (module === "torch.storage" && name === "UntypedStorage") return UINT8;
  return undefined;
}

/** Storage classes that exist in PyTorch but hold nothing a safetensors file can carry. */
export const UNSUPPORTED_STORAGES: ReadonlySet<string> = new Set([
  "ComplexFloatStorage",
  "ComplexDoubleStorage",
  "QInt8Storage",
  "QUInt8Storage",
  "QInt32Storage",
  "QUInt4x2Storage",
  "QUInt2x4Storage",
]);

const FLOAT16 = STORAGE_DTYPES.get("HalfStorage")!;
const BFLOAT16 = STORAGE_DTYPES.get("BFloat16Storage")!;

/**
 * `torch.float32`-style dtype objects by attribute name (aliases included), as
 * `_rebuild_tensor_v3` receives them for dtypes saved over an UntypedStorage.
 */
export const DTYPES_BY_NAME: ReadonlyMap<string, TorchDtype> = new Map([
  ["float32", FLOAT32],
  ["float", FLOAT32],
  ["float64", FLOAT64],
  ["double", FLOAT64],
  ["float16", FLOAT16],
  ["half", FLOAT16],
  ["bfloat16", BFLOAT16],
  ["int64", STORAGE_DTYPES.get("LongStorage")!],
  ["long", STORAGE_DTYPES.get("LongStorage")!],
  ["int32", STORAGE_DTYPES.get("IntStorage")!],
  ["int", STORAGE_DTYPES.get("IntStorage")!],
  ["int16", STORAGE_DTYPES.get("ShortStorage")!],
  ["short", STORAGE_DTYPES.get("ShortStorage")!],
  ["int8", STORAGE_DTYPES.get("CharStorage")!],
  ["uint8", UINT8],
  ["bool", STORAGE_DTYPES.get("BoolStorage")!],
  ["uint16", dtype("uint16", 2, "U16")],
  ["uint32", dtype("uint32", 4, "U32")],
  ["uint64", dtype("uint64", 8, "U64")],
]);

/** Dtype objects that may appear as plain values but whose tensors cannot be converted. */
export const UNCONVERTIBLE_DTYPE_NAMES: ReadonlySet<string> = new Set([
  "complex32",
  "complex64",
  "complex128",
  "chalf",
  "cfloat",
  "cdouble",
  "float8_e5m2",
  "float8_e4m3fn",
  "float8_e5m2fnuz",
  "float8_e4m3fnuz",
  "float8_e8m0fnu",
  "float4_e2m1fn_x2",
  "qint8",
  "quint8",
  "qint32",
  "quint4x2",
  "quint2x4",
  "bits8",
  "bits16",
  "bits1x8",
  "bits2x4",
  "bits4x2",
]);
