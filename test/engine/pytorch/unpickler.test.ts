/**
 * The allow-list unpickler on hand-assembled pickles: the opcodes torch writes
 * (protocol 2, and 4/5's framing and memoizing), the globals it may name, and
 * every way to reach code refused with a typed error that says where.
 */
import { expect, test } from "bun:test";
import { StorageTable } from "../../../src/engine/pytorch/persistent-ids";
import { PickleDict, PickleTuple, TorchTensor, type PickleValue } from "../../../src/engine/pytorch/pickle-values";
import { namedTensors } from "../../../src/engine/pytorch/state-dict";
import { unpickle } from "../../../src/engine/pytorch/unpickler";
import { ModelFileError } from "../../../src/errors";
import { allowSlowTests } from "../../helpers/timeout";

allowSlowTests();

type Part = number | string | Part[];

/** Bytes from opcodes (numbers) and ASCII text (strings). */
function pickle(...parts: Part[]): Uint8Array {
  const out: number[] = [];
  const add = (p: Part): void => {
    if (typeof p === "number") out.push(p);
    else if (typeof p === "string") for (const c of p) out.push(c.charCodeAt(0));
    else p.forEach(add);
  };
  parts.forEach(add);
  return Uint8Array.from(out);
}

const u32 = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];
const str = (s: string) => [0x58, ...u32(s.length), s];
const shortStr = (s: string) => [0x8c, s.length, s];
const global = (module: string, name: string) => [0x63, `${module}\n${name}\n`];
const PROTO2 = [0x80, 2];
const STOP = 0x2e;

function load(bytes: Uint8Array, table = new StorageTable("zip")): PickleValue {
  return unpickle(bytes, 0, { path: "model.pt", part: "archive/data.pkl", persistentLoad: (pid) => table.load(pid) }).value;
}

function failure(bytes: Uint8Array): ModelFileError {
  try {
    load(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(ModelFileError);
    return e as ModelFileError;
  }
  throw new Error("expected the pickle to be refused");
}

/** `_rebuild_tensor_v2(('storage', FloatStorage, key, 'cpu', numel), offset, size, stride, False, OrderedDict())`. */
function tensor(key: string, numel: number, offset: number, size: number[], stride: number[], storageModule = "torch"): Part[] {
  const tuple = (xs: number[]) => [0x28, ...xs.map((x) => [0x4b, x]), 0x74];
  return [
    global("torch._utils", "_rebuild_tensor_v2"),
    0x28,
    [0x28, str("storage"), global(storageModule, "FloatStorage"), str(key), str("cpu"), 0x4b, numel, 0x74, 0x51],
    [0x4b, offset, tuple(size), tuple(stride), 0x89, global("collections", "OrderedDict"), 0x29, 0x52],
    0x74,
    0x52,
  ];
}

test("a protocol-2 state dict: OrderedDict of tensors, with _metadata set through BUILD", () => {
  const value = load(
    pickle(PROTO2, global("collections", "OrderedDict"), 0x71, 0, 0x29, 0x52, 0x28, str("w"), tensor("0", 6, 0, [2, 3], [3, 1]), str("b"), tensor("1", 2, 0, [2], [1]), 0x75,
      0x7d, str("_metadata"), 0x68, 0, 0x29, 0x52, 0x73, 0x62, STOP),
  );
  expect(value).toBeInstanceOf(PickleDict);
  const dict = value as PickleDict;
  expect([...dict.entries.keys()]).toEqual(["w", "b"]);
  expect(dict.attributes.get("_metadata")).toBeInstanceOf(PickleDict);
  const w = dict.entries.get("w") as TorchTensor;
  expect([w.shape, w.stride, w.offset, w.dtype.name, w.storage.numel]).toEqual([[2, 3], [3, 1], 0, "float32", 6]);
  expect(namedTensors(value, "model.pt").map((t) => t.name)).toEqual(["w", "b"]);
});

test("protocol 4 framing: FRAME, SHORT_BINUNICODE, MEMOIZE, STACK_GLOBAL, BINGET of a memoized value", () => {
  const value = load(
    pickle(0x80, 4, 0x95, [8, 0, 0, 0, 0, 0, 0, 0], shortStr("collections"), 0x94, shortStr("OrderedDict"), 0x94, 0x93, 0x94, 0x29, 0x52, 0x94,
      shortStr("k"), 0x94, 0x68, 1, 0x73, STOP),
  );
  expect((value as PickleDict).entries.get("k")).toBe("OrderedDict");
});

test("plain values: ints of every width, floats, bools, None, bytes, lists, tuples, nested dicts", () => {
  const value = load(
    pickle(PROTO2, 0x5d, 0x28, 0x4b, 255, 0x4d, 0x34, 0x12, 0x4a, ...u32(-5 >>> 0), 0x8a, 2, 0xff, 0x7f, 0x8a, 1, 0xff, 0x8a, 9, [0, 0, 0, 0, 0, 0, 0, 0, 1],
      0x47, [0x3f, 0xf8, 0, 0, 0, 0, 0, 0], 0x88, 0x4e, 0x86, 0x43, 2, "ab", 0x7d, str("x"), 0x5d, 0x73, 0x65, STOP),
  ) as PickleValue[];
  expect(value.slice(0, 6)).toEqual([255, 0x1234, -5, 0x7fff, -1, 1n << 64n]);
  expect(value[6]).toBe(1.5);
  const pair = value[7] as PickleTuple;
  expect(pair.items[0]).toBe(true);
  expect(pair.items[1]).toBeNull();
  expect(value[8]).toEqual(new Uint8Array([0x61, 0x62]));
  expect((value[9] as PickleDict).entries.get("x")).toEqual([]);
});

test("_codecs.encode(str, 'latin1') makes bytes, as protocol 2 pickles bytes", () => {
  const value = load(pickle(PROTO2, global("_codecs", "encode"), [0x58, ...u32(2), 0xc3, 0xbf], str("latin1"), 0x86, 0x52, STOP));
  expect(value).toEqual(new Uint8Array([0xff]));
});

test.each([
  ["os.system through GLOBAL", pickle(PROTO2, global("os", "system"), str("touch /tmp/x"), 0x85, 0x52, STOP), "os.system"],
  ["posix.system through STACK_GLOBAL", pickle(0x80, 4, shortStr("posix"), shortStr("system"), 0x93, STOP), "posix.system"],
  ["builtins.exec", pickle(PROTO2, global("builtins", "exec"), STOP), "builtins.exec"],
  ["a module's class", pickle(PROTO2, global("torch.nn.modules.linear", "Linear"), STOP), "torch.nn.modules.linear.Linear"],
  ["torch.load itself", pickle(PROTO2, global("torch", "load"), STOP), "torch.load"],
  ["getattr", pickle(PROTO2, global("__builtin__", "getattr"), STOP), "__builtin__.getattr"],
])("refuses %s, naming it, at the GLOBAL", (_, bytes, name) => {
  const e = failure(bytes);
  expect(e.code).toBe("PICKLE_GLOBAL_REFUSED");
  expect(e.message).toContain(`"${name}"`);
  expect(e.message).toContain("model.pt");
  expect(e.message).toContain("archive/data.pkl at byte");
});

test.each([
  ["INST", pickle(PROTO2, 0x69, "os\nsystem\n", STOP), /INST builds arbitrary objects/],
  ["OBJ", pickle(PROTO2, 0x28, global("collections", "OrderedDict"), 0x6f, STOP), /OBJ builds arbitrary objects/],
  ["NEWOBJ", pickle(PROTO2, global("collections", "OrderedDict"), 0x29, 0x81, STOP), /NEWOBJ builds arbitrary objects/],
  ["EXT1", pickle(PROTO2, 0x82, 1, STOP), /EXT1/],
  ["protocol-0 PERSID", pickle(PROTO2, 0x50, "0\n", STOP), /opcode 0x50 is not one a checkpoint uses/],
  ["calling a storage class", pickle(PROTO2, global("torch", "FloatStorage"), 0x29, 0x52, STOP), /type name, not something a checkpoint may call/],
  ["calling a string", pickle(PROTO2, str("os.system"), 0x29, 0x52, STOP), /not callable/],
  ["BUILD on a list", pickle(PROTO2, 0x5d, 0x7d, 0x62, STOP), /only a dict's attributes/],
  ["stack underflow", pickle(PROTO2, 0x73, STOP), /stack underflow/],
  ["a memo entry never stored", pickle(PROTO2, 0x68, 7, STOP), /memo entry 7 was never stored/],
  ["SETITEMS with an odd count", pickle(PROTO2, 0x7d, 0x28, str("a"), 0x75, STOP), /odd count/],
  ["a protocol from the future", pickle(0x80, 9, STOP), /protocol 9/],
  ["a view past its storage", pickle(PROTO2, tensor("0", 4, 1, [2, 2], [2, 1]), STOP), /reaches element 4 of a storage of 4 float32 elements/],
  ["a size/stride mismatch", pickle(PROTO2, tensor("0", 4, 0, [2, 2], [1]), STOP), /size has 2 dimensions but stride has 1/],
  ["one storage key with two sizes", pickle(PROTO2, 0x5d, 0x28, tensor("0", 4, 0, [4], [1]), tensor("0", 6, 0, [6], [1]), 0x65, STOP), /storage "0" is named as 4 × float32 and as 6 × float32/],
  ["a whole pickled module", pickle(PROTO2, str("module"), 0x4e, 0x4e, 0x87, 0x51, STOP), /pickles a whole nn.Module/],
  ["an over-long integer", pickle(PROTO2, 0x8b, ...u32(1000), STOP), /integer of 1000 bytes/],
])("refuses %s with PICKLE_INVALID", (_, bytes, message) => {
  const e = failure(bytes);
  expect(e.code).toBe("PICKLE_INVALID");
  expect(e.message).toMatch(message);
  expect(e.oneLine()).not.toContain("\n");
});

test("a pickle cut inside an opcode is a truncated checkpoint, not a crash", () => {
  const whole = pickle(PROTO2, str("a long enough string"), STOP);
  for (let n = 0; n < whole.length; n++) {
    const e = failure(whole.subarray(0, n));
    expect(e.code).toMatch(/^(CHECKPOINT_TRUNCATED|PICKLE_INVALID)$/);
  }
});

test("complex tensors are refused as unsupported, not as hostile", () => {
  const e = failure(pickle(PROTO2, global("torch", "ComplexFloatStorage"), STOP));
  expect(e.code).toBe("CHECKPOINT_UNSUPPORTED");
  expect(e.message).toContain("ComplexFloatStorage");
});

test("naming: a list that contains itself, or nesting past 100 levels, is an error and not a stack overflow", () => {
  const cyclic = load(pickle(PROTO2, 0x5d, 0x71, 0, 0x68, 0, 0x61, STOP));
  expect(() => namedTensors(cyclic, "model.pt")).toThrow(/contains itself/);
  const deep = load(pickle(PROTO2, ...Array.from({ length: 200 }, () => 0x5d), ...Array.from({ length: 199 }, () => 0x61), STOP));
  expect(() => namedTensors(deep, "model.pt")).toThrow(/nests deeper than 100 levels/);
});

test("naming: list indices and integer keys join with dots; tensors named twice are a clash", () => {
  const value = load(pickle(PROTO2, 0x7d, str("tags"), 0x5d, tensor("0", 1, 0, [], []), 0x61, 0x73, 0x4b, 3, tensor("1", 1, 0, [], []), 0x73, STOP));
  expect(namedTensors(value, "model.pt").map((t) => t.name)).toEqual(["tags.0", "3"]);
  const clash = load(pickle(PROTO2, 0x7d, str("a.b"), tensor("0", 1, 0, [], []), 0x73, str("a"), 0x7d, str("b"), tensor("1", 1, 0, [], []), 0x73, 0x73, STOP));
  expect(() => namedTensors(clash, "model.pt")).toThrow(/two tensors are both named "a.b"/);
});

test("naming: a small pickle whose shared lists double 40 times is refused after a bounded walk, not walked 2^40 times", () => {
  const nones = Array.from({ length: 100_000 }, () => 0x4e);
  const doubling = Array.from({ length: 40 }, () => [0x32, 0x86]);
  const value = load(pickle(PROTO2, 0x5d, 0x28, nones, 0x65, doubling, STOP));
  expect(() => namedTensors(value, "model.pt")).toThrow(/more than 10000000 values to name/);
});

test("storages saved from a GPU by older torch (torch.cuda.FloatStorage) read as their CPU type", () => {
  const value = load(pickle(PROTO2, tensor("0", 3, 0, [3], [1], "torch.cuda"), STOP));
  expect((value as TorchTensor).dtype.name).toBe("float32");
});
