/**
 * Writing `torch.save`-compatible checkpoints (the ZIP format of torch ≥ 1.6)
 * from TypeScript, for tests and fake hubs that need a `model.pt`: an
 * `OrderedDict` of named tensors (float32, float16, bfloat16, float64, int64,
 * int32, uint8, bool), optionally wrapped under a key, optionally sharing storages
 * through strided views, optionally with ZIP64 records. Tensors are written one
 * at a time, so the file can be larger than memory.
 *
 *   bun scripts/synthetic/pytorch-checkpoint.ts sensevoice-small OUT.pt [--dtype float32|bfloat16] [--key state_dict]
 *
 * writes random weights at SenseVoiceSmall's shapes (`encoder.*`, `ctc.ctc_lo.*`, `embed.weight`).
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { crc32 } from "node:zlib";
import { SENSEVOICE_SMALL as SENSEVOICE_SMALL_ENCODER } from "../../src/models/sensevoice-encoder";
import { senseVoiceEncoderTensors } from "../../src/models/sensevoice-encoder";

export type TorchWriterDtype = "float32" | "float16" | "bfloat16" | "float64" | "int64" | "int32" | "uint8" | "bool";

const STORAGES: Record<TorchWriterDtype, { storage: string; bytes: number }> = {
  float32: { storage: "FloatStorage", bytes: 4 },
  float16: { storage: "HalfStorage", bytes: 2 },
  bfloat16: { storage: "BFloat16Storage", bytes: 2 },
  float64: { storage: "DoubleStorage", bytes: 8 },
  int64: { storage: "LongStorage", bytes: 8 },
  int32: { storage: "IntStorage", bytes: 4 },
  uint8: { storage: "ByteStorage", bytes: 1 },
  bool: { storage: "BoolStorage", bytes: 1 },
};

export interface TorchTensorSpec {
  readonly name: string;
  readonly dtype: TorchWriterDtype;
  readonly shape: readonly number[];
  /** The storage's raw little-endian bytes, or a function making them when the tensor is written. */
  readonly data: Uint8Array | (() => Uint8Array);
  /** Share a storage between tensors: the first spec naming a key provides its data. Default: a storage of its own. */
  readonly storage?: string;
  /** Element offset into the storage (default 0). */
  readonly offset?: number;
  /** Element strides (default row-major). */
  readonly stride?: readonly number[];
}

export interface TorchCheckpointOptions {
  /** The archive's top folder (torch uses "archive", or the saved file's name in some versions). */
  readonly folder?: string;
  /** Save `{key: state_dict}` instead of the state dict itself. */
  readonly wrapKey?: string;
  /** Write ZIP64 records even for a small file (as torch does past 4 GB). */
  readonly zip64?: boolean;
}

function rowMajor(shape: readonly number[]): number[] {
  const stride = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    stride[d] = s;
    s *= shape[d]!;
  }
  return stride;
}

/** Pickle protocol 2 opcodes for the few values a state dict needs (CPython `pickle._Pickler`). */
class PickleWriter {
  private readonly parts: number[] = [];

  op(...bytes: number[]): this {
    this.parts.push(...bytes);
    return this;
  }

  ascii(text: string): this {
    for (const c of text) this.parts.push(c.charCodeAt(0));
    return this;
  }

  global(module: string, name: string): this {
    return this.op(0x63).ascii(`${module}\n${name}\n`);
  }

  string(text: string): this {
    const utf8 = new TextEncoder().encode(text);
    const n = utf8.length;
    return this.op(0x58, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff, ...utf8);
  }

  int(n: number): this {
    if (n >= 0 && n < 0x100) return this.op(0x4b, n);
    if (n >= 0 && n < 0x10000) return this.op(0x4d, n & 0xff, n >> 8);
    if (n >= -0x80000000 && n < 0x80000000) return this.op(0x4a, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff);
    const bytes: number[] = [];
    let v = BigInt(n);
    while (v !== 0n && v !== -1n) {
      bytes.push(Number(v & 0xffn));
      v >>= 8n;
    }
    if (bytes.length === 0 || (bytes[bytes.length - 1]! & 0x80) !== (n < 0 ? 0x80 : 0)) bytes.push(n < 0 ? 0xff : 0);
    return this.op(0x8a, bytes.length, ...bytes);
  }

  tuple(items: readonly number[]): this {
    if (items.length === 0) return this.op(0x29);
    if (items.length <= 3) {
      for (const i of items) this.int(i);
      return this.op(0x84 + items.length);
    }
    this.op(0x28);
    for (const i of items) this.int(i);
    return this.op(0x74);
  }

  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

interface StoragePlan {
  readonly key: string;
  readonly spec: TorchTensorSpec;
}

function picklePlan(specs: readonly TorchTensorSpec[], options: TorchCheckpointOptions): { pickle: Uint8Array; storages: StoragePlan[] } {
  const p = new PickleWriter().op(0x80, 2);
  if (options.wrapKey) p.op(0x7d).string(options.wrapKey);
  p.global("collections", "OrderedDict").op(0x29, 0x52, 0x28);
  const storages: StoragePlan[] = [];
  const keys = new Map<string, { key: string; spec: TorchTensorSpec }>();
  for (const spec of specs) {
    const { storage: storageClass, bytes } = STORAGES[spec.dtype];
    const shared = spec.storage === undefined ? undefined : keys.get(spec.storage);
    const owner = shared ?? { key: String(storages.length), spec };
    if (!shared) {
      storages.push(owner);
      if (spec.storage !== undefined) keys.set(spec.storage, owner);
    }
    const data = typeof owner.spec.data === "function" ? null : owner.spec.data;
    const numel = data ? data.length / bytes : spec.shape.reduce((a, b) => a * b, 1);
    p.string(spec.name).global("torch._utils", "_rebuild_tensor_v2").op(0x28, 0x28).string("storage").global("torch", storageClass).string(owner.key).string("cpu").int(numel).op(0x74, 0x51);
    p.int(spec.offset ?? 0).tuple(spec.shape).tuple(spec.stride ?? rowMajor(spec.shape)).op(0x89);
    p.global("collections", "OrderedDict").op(0x29, 0x52, 0x74, 0x52);
  }
  p.op(0x75);
  if (options.wrapKey) p.op(0x73);
  return { pickle: p.op(0x2e).bytes(), storages };
}

/** Little-endian fields. */
function fields(...spec: [number, 2 | 4 | 8][]): Uint8Array {
  const out = new Uint8Array(spec.reduce((s, [, n]) => s + n, 0));
  const v = new DataView(out.buffer);
  let at = 0;
  for (const [value, n] of spec) {
    if (n === 2) v.setUint16(at, value, true);
    else if (n === 4) v.setUint32(at, value, true);
    else v.setBigUint64(at, BigInt(value), true);
    at += n;
  }
  return out;
}

interface WrittenEntry {
  readonly name: Uint8Array;
  readonly offset: number;
  readonly size: number;
  readonly crc: number;
}

const ALIGNMENT = 64;
const MAX32 = 0xffffffff;

class ZipWriter {
  private at = 0;
  readonly entries: WrittenEntry[] = [];

  constructor(
    private readonly fd: number,
    private readonly zip64: boolean,
  ) {}

  private write(bytes: Uint8Array): void {
    for (let done = 0; done < bytes.length; ) done += writeSync(this.fd, bytes, done, bytes.length - done);
    this.at += bytes.length;
  }

  /** A stored entry whose data starts on a 64-byte boundary, padded by an extra field as torch's writer does. */
  add(name: string, data: Uint8Array): void {
    const nameBytes = new TextEncoder().encode(name);
    const crc = crc32(data);
    const wide = this.zip64 || data.length >= MAX32;
    const zip64Extra = wide ? fields([0x0001, 2], [16, 2], [data.length, 8], [data.length, 8]) : new Uint8Array(0);
    const headerBytes = 30 + nameBytes.length + zip64Extra.length + 4;
    const padding = (ALIGNMENT - ((this.at + headerBytes) % ALIGNMENT)) % ALIGNMENT;
    const padExtra = new Uint8Array(4 + padding);
    new DataView(padExtra.buffer).setUint16(0, 0x4246, true);
    new DataView(padExtra.buffer).setUint16(2, padding, true);
    const size32 = wide ? MAX32 : data.length;
    const header = fields([0x04034b50, 4], [wide ? 45 : 20, 2], [0, 2], [0, 2], [0, 2], [0, 2], [crc, 4], [size32, 4], [size32, 4], [nameBytes.length, 2], [zip64Extra.length + padExtra.length, 2]);
    this.entries.push({ name: nameBytes, offset: this.at, size: data.length, crc });
    this.write(header);
    this.write(nameBytes);
    this.write(zip64Extra);
    this.write(padExtra);
    this.write(data);
  }

  finish(): void {
    const directoryAt = this.at;
    for (const e of this.entries) {
      const wide = this.zip64 || e.size >= MAX32 || e.offset >= MAX32;
      const extra = wide ? fields([0x0001, 2], [24, 2], [e.size, 8], [e.size, 8], [e.offset, 8]) : new Uint8Array(0);
      const size32 = wide ? MAX32 : e.size;
      this.write(
        fields([0x02014b50, 4], [wide ? 45 : 20, 2], [wide ? 45 : 20, 2], [0, 2], [0, 2], [0, 2], [0, 2], [e.crc, 4], [size32, 4], [size32, 4], [e.name.length, 2], [extra.length, 2], [0, 2], [0, 2], [0, 2], [0, 4], [wide ? MAX32 : e.offset, 4]),
      );
      this.write(e.name);
      this.write(extra);
    }
    const directorySize = this.at - directoryAt;
    const count = this.entries.length;
    const wide = this.zip64 || directoryAt >= MAX32 || count >= 0xffff;
    if (wide) {
      const recordAt = this.at;
      this.write(fields([0x06064b50, 4], [44, 8], [45, 2], [45, 2], [0, 4], [0, 4], [count, 8], [count, 8], [directorySize, 8], [directoryAt, 8]));
      this.write(fields([0x07064b50, 4], [0, 4], [recordAt, 8], [1, 4]));
    }
    const count16 = wide ? 0xffff : count;
    this.write(fields([0x06054b50, 4], [0, 2], [0, 2], [count16, 2], [count16, 2], [wide ? MAX32 : directorySize, 4], [wide ? MAX32 : directoryAt, 4], [0, 2]));
  }
}

/** Writes `specs` as a torch ZIP checkpoint at `path` (through a temporary file). */
export function writeTorchCheckpoint(path: string, specs: readonly TorchTensorSpec[], options: TorchCheckpointOptions = {}): void {
  const folder = options.folder ?? "archive";
  const { pickle, storages } = picklePlan(specs, options);
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, "w");
  try {
    const zip = new ZipWriter(fd, options.zip64 ?? false);
    zip.add(`${folder}/data.pkl`, pickle);
    zip.add(`${folder}/.format_version`, new TextEncoder().encode("1"));
    zip.add(`${folder}/.storage_alignment`, new TextEncoder().encode("64"));
    zip.add(`${folder}/byteorder`, new TextEncoder().encode("little"));
    for (const { key, spec } of storages) zip.add(`${folder}/data/${key}`, typeof spec.data === "function" ? spec.data() : spec.data);
    zip.add(`${folder}/version`, new TextEncoder().encode("3\n"));
    zip.finish();
    closeSync(fd);
    renameSync(tmp, path);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Random float32 bytes, N(0, 0.02²)-ish, from a seeded xorshift generator. */
export function randomFloat32Bytes(count: number, seed: number): Uint8Array {
  const out = new Float32Array(count);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = (((s >>> 0) / 0x100000000) * 2 - 1) * 0.0346;
  }
  return new Uint8Array(out.buffer);
}

/** Float32 bytes → bfloat16 bytes (upper halves, rounded to nearest even). */
export function toBfloat16Bytes(f32: Uint8Array): Uint8Array {
  const words = new Uint32Array(f32.buffer, f32.byteOffset, f32.length / 4);
  const out = new Uint16Array(words.length);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    out[i] = (w + 0x7fff + ((w >>> 16) & 1)) >>> 16;
  }
  return new Uint8Array(out.buffer);
}

/** SenseVoiceSmall's checkpoint layout: the encoder, the CTC head and the language/task embedding. */
export function senseVoiceSmallSpecs(dtype: "float32" | "bfloat16" = "float32"): TorchTensorSpec[] {
  const shapes = new Map<string, number[]>();
  for (const [name, shape] of senseVoiceEncoderTensors(SENSEVOICE_SMALL_ENCODER)) shapes.set(`encoder.${name}`, shape);
  shapes.set("ctc.ctc_lo.weight", [25055, 512]);
  shapes.set("ctc.ctc_lo.bias", [25055]);
  shapes.set("embed.weight", [16, 560]);
  return [...shapes].map(([name, shape], i) => ({
    name,
    dtype,
    shape,
    data: () => {
      const f32 = randomFloat32Bytes(shape.reduce((a, b) => a * b, 1), i + 1);
      return dtype === "float32" ? f32 : toBfloat16Bytes(f32);
    },
  }));
}

if (import.meta.main) {
  const [layout, out, ...rest] = process.argv.slice(2);
  const flag = (name: string) => {
    const i = rest.indexOf(name);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  if (layout !== "sensevoice-small" || !out) {
    process.stderr.write("usage: bun scripts/synthetic/pytorch-checkpoint.ts sensevoice-small OUT.pt [--dtype float32|bfloat16] [--key state_dict]\n");
    process.exit(2);
  }
  const dtype = flag("--dtype") === "bfloat16" ? "bfloat16" : "float32";
  writeTorchCheckpoint(out, senseVoiceSmallSpecs(dtype), { wrapKey: flag("--key") });
  process.stdout.write(`${out}\n`);
}
