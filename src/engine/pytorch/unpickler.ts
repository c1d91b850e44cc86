/**
 * A pickle reader that builds data and never runs code: the opcodes of protocol 2
 * (what `torch.save` writes) and the binary ones of protocols 3–5, with globals
 * limited to the allow-list in pickle-globals. Modelled on CPython's
 * `pickle._Unpickler` (mark stack, memo), minus every way to import or call
 * arbitrary objects (INST, OBJ, NEWOBJ, extensions, out-of-band buffers).
 */
import { AsrError } from "../../errors";
import { globalRefused, checkpointTruncated, checkpointUnsupported, pickleInvalid } from "./checkpoint-errors";
import { callGlobal, resolveGlobal } from "./pickle-globals";
import { BadCallError, PickleDict, UnconvertibleError, PickleGlobal, PickleTuple, describeValue, type PickleValue } from "./pickle-values";

export interface UnpickleOptions {
  /** The file named in errors. */
  readonly path: string;
  /** Which pickle of the file, for errors (e.g. "archive/data.pkl"). */
  readonly part: string;
  /** Turns a persistent id (torch's storage reference) into a value. */
  readonly persistentLoad: (pid: PickleValue) => PickleValue;
}

export interface Unpickled {
  readonly value: PickleValue;
  /** Offset just past the STOP opcode. */
  readonly end: number;
}

/** Longest integer a LONG1/LONG4 may encode; state dicts hold nothing near this. */
const MAX_LONG_BYTES = 64;
/** Longest module or attribute name a GLOBAL line may hold. */
const MAX_GLOBAL_LINE = 512;
/** The highest pickle protocol CPython writes. */
const MAX_PROTOCOL = 5;

const REFUSED_OPCODES: Readonly<Record<number, string>> = {
  0x69: "INST",
  0x6f: "OBJ",
  0x81: "NEWOBJ",
  0x82: "EXT1",
  0x83: "EXT2",
  0x84: "EXT4",
  0x92: "NEWOBJ_EX",
  0x97: "NEXT_BUFFER",
  0x98: "READONLY_BUFFER",
};

const utf8 = new TextDecoder("utf-8");

class Unpickler {
  private pos: number;
  private opStart = 0;
  private stack: PickleValue[] = [];
  private readonly metastack: PickleValue[][] = [];
  private readonly memo = new Map<number, PickleValue>();
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    start: number,
    private readonly options: UnpickleOptions,
  ) {
    this.pos = start;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private where(): string {
    return `pickle ${this.options.part} at byte ${this.opStart}`;
  }

  private invalid(detail: string): AsrError {
    return pickleInvalid(this.options.path, this.where(), detail);
  }

  private need(n: number): number {
    if (n > this.bytes.length - this.pos) {
      throw checkpointTruncated(this.options.path, `${this.options.part} ends inside an opcode at byte ${this.opStart}`);
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  private u8(): number {
    return this.bytes[this.need(1)]!;
  }

  private u16(): number {
    return this.view.getUint16(this.need(2), true);
  }

  private u32(): number {
    return this.view.getUint32(this.need(4), true);
  }

  private i32(): number {
    return this.view.getInt32(this.need(4), true);
  }

  private u64(): number {
    const v = this.view.getBigUint64(this.need(8), true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw this.invalid(`length ${v} is larger than any file`);
    return Number(v);
  }

  private raw(n: number): Uint8Array {
    const at = this.need(n);
    return this.bytes.slice(at, at + n);
  }

  private text(n: number): string {
    const at = this.need(n);
    return utf8.decode(this.bytes.subarray(at, at + n));
  }

  private line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    const limit = Math.min(this.bytes.length, this.pos + MAX_GLOBAL_LINE);
    if (end < 0 || end >= limit) {
      if (limit === this.bytes.length && end < 0) this.need(this.bytes.length - this.pos + 1);
      throw this.invalid(`a GLOBAL name is not terminated within ${MAX_GLOBAL_LINE} bytes`);
    }
    const s = utf8.decode(this.bytes.subarray(this.pos, end));
    this.pos = end + 1;
    return s;
  }

  private long(n: number): number | bigint {
    if (n > MAX_LONG_BYTES) throw this.invalid(`an integer of ${n} bytes is larger than a checkpoint needs`);
    const at = this.need(n);
    if (n === 0) return 0;
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(this.bytes[at + i]!);
    if (this.bytes[at + n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }

  private push(v: PickleValue): void {
    this.stack.push(v);
  }

  private pop(): PickleValue {
    if (this.stack.length === 0) throw this.invalid("stack underflow");
    return this.stack.pop()!;
  }

  private top(): PickleValue {
    if (this.stack.length === 0) throw this.invalid("stack underflow");
    return this.stack[this.stack.length - 1]!;
  }

  private popMark(): PickleValue[] {
    const items = this.stack;
    const outer = this.metastack.pop();
    if (!outer) throw this.invalid("no MARK to pop to");
    this.stack = outer;
    return items;
  }

  private get(index: number): PickleValue {
    if (!this.memo.has(index)) throw this.invalid(`memo entry ${index} was never stored`);
    return this.memo.get(index)!;
  }

  private topList(): PickleValue[] {
    const list = this.top();
    if (!Array.isArray(list)) throw this.invalid(`appending to ${describeValue(list)}, not a list`);
    return list;
  }

  private topDict(): PickleDict {
    const dict = this.top();
    if (!(dict instanceof PickleDict)) throw this.invalid(`setting an item of ${describeValue(dict)}, not a dict`);
    return dict;
  }

  private setItems(dict: PickleDict, items: PickleValue[]): void {
    if (items.length % 2 !== 0) throw this.invalid("dict items come in key, value pairs; found an odd count");
    for (let i = 0; i < items.length; i += 2) dict.entries.set(items[i]!, items[i + 1]!);
  }

  private global(module: string, name: string): void {
    const resolved = resolveGlobal(module, name);
    if (resolved.kind === "refused") throw globalRefused(this.options.path, this.where(), `${module}.${name}`);
    if (resolved.kind === "unsupported") throw checkpointUnsupported(this.options.path, `${this.where()}: ${resolved.detail}`);
    this.push(resolved.value);
  }

  private call(fn: () => PickleValue): PickleValue {
    try {
      return fn();
    } catch (e) {
      if (e instanceof BadCallError) throw this.invalid(e.message);
      if (e instanceof UnconvertibleError) throw checkpointUnsupported(this.options.path, `${this.where()}: ${e.message}`);
      throw e;
    }
  }

  private reduce(): void {
    const args = this.pop();
    const fn = this.pop();
    if (!(fn instanceof PickleGlobal)) throw this.invalid(`REDUCE calls ${describeValue(fn)}, which is not callable`);
    if (!(args instanceof PickleTuple)) throw this.invalid(`REDUCE arguments are ${describeValue(args)}, not a tuple`);
    this.push(this.call(() => callGlobal(fn, args.items)));
  }

  private build(): void {
    let state = this.pop();
    const target = this.top();
    if (!(target instanceof PickleDict)) throw this.invalid(`BUILD sets the state of ${describeValue(target)}; only a dict's attributes can be set`);
    if (state instanceof PickleTuple && state.items.length === 2 && state.items[1] === null) state = state.items[0]!;
    if (state === null) return;
    if (!(state instanceof PickleDict)) throw this.invalid(`BUILD state is ${describeValue(state)}, not a dict`);
    for (const [key, value] of state.entries) {
      if (typeof key !== "string") throw this.invalid(`BUILD attribute name is ${describeValue(key)}, not a string`);
      target.attributes.set(key, value);
    }
  }

  run(): Unpickled {
    for (;;) {
      this.opStart = this.pos;
      const op = this.u8();
      switch (op) {
        case 0x80: {
          const protocol = this.u8();
          if (protocol > MAX_PROTOCOL) throw this.invalid(`pickle protocol ${protocol} is newer than any Python writes`);
          break;
        }
        case 0x95: // FRAME: a length hint only
          this.u64();
          break;
        case 0x2e: // STOP
          return { value: this.pop(), end: this.pos };
        case 0x28: // MARK
          this.metastack.push(this.stack);
          this.stack = [];
          break;
        case 0x30: // POP
          if (this.stack.length > 0) this.stack.pop();
          else this.popMark();
          break;
        case 0x31: // POP_MARK
          this.popMark();
          break;
        case 0x32: // DUP
          this.push(this.top());
          break;
        case 0x4e: // NONE
          this.push(null);
          break;
        case 0x88: // NEWTRUE
          this.push(true);
          break;
        case 0x89: // NEWFALSE
          this.push(false);
          break;
        case 0x4a: // BININT
          this.push(this.i32());
          break;
        case 0x4b: // BININT1
          this.push(this.u8());
          break;
        case 0x4d: // BININT2
          this.push(this.u16());
          break;
        case 0x8a: // LONG1
          this.push(this.long(this.u8()));
          break;
        case 0x8b: {
          const n = this.i32();
          if (n < 0) throw this.invalid("LONG4 with a negative length");
          this.push(this.long(n));
          break;
        }
        case 0x47: // BINFLOAT (big-endian)
          this.push(this.view.getFloat64(this.need(8), false));
          break;
        case 0x58: // BINUNICODE
          this.push(this.text(this.u32()));
          break;
        case 0x8c: // SHORT_BINUNICODE
          this.push(this.text(this.u8()));
          break;
        case 0x8d: // BINUNICODE8
          this.push(this.text(this.u64()));
          break;
        case 0x54: {
          const n = this.i32();
          if (n < 0) throw this.invalid("BINSTRING with a negative length");
          this.push(this.text(n));
          break;
        }
        case 0x55: // SHORT_BINSTRING
          this.push(this.text(this.u8()));
          break;
        case 0x42: // BINBYTES
          this.push(this.raw(this.u32()));
          break;
        case 0x43: // SHORT_BINBYTES
          this.push(this.raw(this.u8()));
          break;
        case 0x8e: // BINBYTES8
          this.push(this.raw(this.u64()));
          break;
        case 0x29: // EMPTY_TUPLE
          this.push(new PickleTuple([]));
          break;
        case 0x74: // TUPLE
          this.push(new PickleTuple(this.popMark()));
          break;
        case 0x85: // TUPLE1
          this.push(new PickleTuple([this.pop()]));
          break;
        case 0x86: {
          const b = this.pop();
          this.push(new PickleTuple([this.pop(), b]));
          break;
        }
        case 0x87: {
          const c = this.pop();
          const b = this.pop();
          this.push(new PickleTuple([this.pop(), b, c]));
          break;
        }
        case 0x5d: // EMPTY_LIST
          this.push([]);
          break;
        case 0x6c: // LIST
          this.push(this.popMark());
          break;
        case 0x61: {
          const value = this.pop();
          this.topList().push(value);
          break;
        }
        case 0x65: {
          const items = this.popMark();
          const list = this.topList();
          for (const item of items) list.push(item);
          break;
        }
        case 0x7d: // EMPTY_DICT
          this.push(new PickleDict());
          break;
        case 0x64: {
          const dict = new PickleDict();
          this.setItems(dict, this.popMark());
          this.push(dict);
          break;
        }
        case 0x73: {
          const value = this.pop();
          const key = this.pop();
          this.topDict().entries.set(key, value);
          break;
        }
        case 0x75: {
          const items = this.popMark();
          this.setItems(this.topDict(), items);
          break;
        }
        case 0x68: // BINGET
          this.push(this.get(this.u8()));
          break;
        case 0x6a: // LONG_BINGET
          this.push(this.get(this.u32()));
          break;
        case 0x71: // BINPUT
          this.memo.set(this.u8(), this.top());
          break;
        case 0x72: // LONG_BINPUT
          this.memo.set(this.u32(), this.top());
          break;
        case 0x94: // MEMOIZE
          this.memo.set(this.memo.size, this.top());
          break;
        case 0x63: {
          const module = this.line();
          this.global(module, this.line());
          break;
        }
        case 0x93: {
          const name = this.pop();
          const module = this.pop();
          if (typeof module !== "string" || typeof name !== "string") throw this.invalid("STACK_GLOBAL needs two strings");
          this.global(module, name);
          break;
        }
        case 0x52: // REDUCE
          this.reduce();
          break;
        case 0x62: // BUILD
          this.build();
          break;
        case 0x51: {
          const pid = this.pop();
          this.push(this.call(() => this.options.persistentLoad(pid)));
          break;
        }
        default: {
          const name = REFUSED_OPCODES[op];
          if (name) throw this.invalid(`opcode ${name} builds arbitrary objects; refused, nothing was run`);
          throw this.invalid(`opcode 0x${op.toString(16).padStart(2, "0")} is not one a checkpoint uses`);
        }
      }
    }
  }
}

/** Reads one pickle starting at `start` of `bytes`. */
export function unpickle(bytes: Uint8Array, start: number, options: UnpickleOptions): Unpickled {
  return new Unpickler(bytes, start, options).run();
}
