/**
 * Byte-level mutations of a valid input: bit flips, byte overwrites, inserts,
 * deletes, truncation, length-field tampering and splicing with another input.
 * Mutations land in the seed's "hot" ranges (headers, length fields) most of the
 * time, since that is where parsers decide things.
 */
import type { Random } from "./random";

export interface LengthField {
  readonly at: number;
  readonly width: 1 | 2 | 4 | 8;
}

export interface Seed {
  readonly name: string;
  readonly bytes: Uint8Array;
  /** Byte ranges [begin, end) where structure lives; mutations prefer them. */
  readonly hot?: readonly (readonly [number, number])[];
  /** Offsets of little-endian length/count/offset fields worth setting to boundary values. */
  readonly lengthFields?: readonly LengthField[];
}

export interface Mutant {
  readonly bytes: Uint8Array;
  /** What was done, for the failure report. */
  readonly steps: string[];
}

const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff];

function position(r: Random, seed: Seed, length: number): number {
  const hot = seed.hot?.filter(([b, e]) => b < length && e > b) ?? [];
  if (hot.length > 0 && r.chance(0.75)) {
    const [begin, end] = r.pick(hot);
    return r.int(begin, Math.min(end, length) - 1);
  }
  return r.int(0, Math.max(0, length - 1));
}

function splice(bytes: Uint8Array, at: number, remove: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length - remove + insert.length);
  out.set(bytes.subarray(0, at));
  out.set(insert, at);
  out.set(bytes.subarray(at + remove), at + insert.length);
  return out;
}

function boundaryValue(r: Random, current: bigint, width: number, total: number): bigint {
  const max = (1n << BigInt(8 * width)) - 1n;
  const choices = [0n, 1n, max, max >> 1n, (max >> 1n) + 1n, current + 1n, current - 1n, current * 2n, BigInt(total), BigInt(total) + 1n, BigInt(r.int(0, 0xffff))];
  const v = r.pick(choices);
  return ((v % (max + 1n)) + (max + 1n)) % (max + 1n);
}

function tamperLength(r: Random, seed: Seed, bytes: Uint8Array): [Uint8Array, string] {
  const fields = (seed.lengthFields ?? []).filter((f) => f.at + f.width <= bytes.length);
  const field = fields.length > 0 && r.chance(0.85) ? r.pick(fields) : { at: position(r, seed, bytes.length), width: r.pick([2, 4, 8] as const) };
  if (field.at + field.width > bytes.length) return [bytes, "length-field skipped"];
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  let current = 0n;
  for (let i = field.width - 1; i >= 0; i--) current = (current << 8n) | BigInt(out[field.at + i]!);
  const value = boundaryValue(r, current, field.width, bytes.length);
  for (let i = 0; i < field.width; i++) view.setUint8(field.at + i, Number((value >> BigInt(8 * i)) & 0xffn));
  return [out, `length@${field.at}/${field.width}=${value}`];
}

function randomBytes(r: Random, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, () => (r.chance(0.5) ? r.pick(INTERESTING_BYTES) : r.int(0, 255)));
}

/** One mutation step. */
function step(r: Random, seed: Seed, others: readonly Seed[], bytes: Uint8Array): [Uint8Array, string] {
  const kind = r.int(0, 7);
  const at = position(r, seed, bytes.length);
  switch (kind) {
    case 0: {
      const out = bytes.slice();
      if (out.length === 0) return [out, "flip skipped"];
      const bits = r.int(1, 4);
      for (let i = 0; i < bits; i++) out[Math.min(at + r.int(0, 3), out.length - 1)]! ^= 1 << r.int(0, 7);
      return [out, `flip@${at}x${bits}`];
    }
    case 1: {
      const out = bytes.slice();
      if (out.length === 0) return [out, "set skipped"];
      const n = r.int(1, 4);
      out.set(randomBytes(r, Math.min(n, out.length - at)), at);
      return [out, `set@${at}x${n}`];
    }
    case 2: {
      const n = r.chance(0.8) ? r.int(1, 8) : r.int(9, 512);
      return [splice(bytes, at, 0, randomBytes(r, n)), `insert@${at}x${n}`];
    }
    case 3: {
      const n = Math.min(bytes.length - at, r.chance(0.8) ? r.int(1, 8) : r.int(9, 4096));
      return [splice(bytes, at, n, new Uint8Array(0)), `delete@${at}x${n}`];
    }
    case 4: {
      const n = r.chance(0.5) ? at : r.int(0, bytes.length);
      return [bytes.slice(0, n), `truncate@${n}`];
    }
    case 5:
      return tamperLength(r, seed, bytes);
    case 6: {
      const donor = r.pick(others.length > 0 ? others : [seed]).bytes;
      if (donor.length === 0) return [bytes, "splice skipped"];
      const from = r.int(0, donor.length - 1);
      const n = Math.min(donor.length - from, r.int(1, 256));
      const remove = Math.min(bytes.length - at, r.int(0, n));
      return [splice(bytes, at, remove, donor.subarray(from, from + n)), `splice@${at}-${remove}+${n}`];
    }
    default: {
      if (bytes.length === 0) return [bytes, "repeat skipped"];
      const n = Math.min(bytes.length - at, r.int(1, 64));
      const copies = r.int(1, 16);
      const chunk = bytes.subarray(at, at + n);
      const repeated = new Uint8Array(n * copies);
      for (let i = 0; i < copies; i++) repeated.set(chunk, i * n);
      return [splice(bytes, at, 0, repeated), `repeat@${at}x${n}*${copies}`];
    }
  }
}

/** 1–4 mutation steps of `seed`, splicing from `others` at times. */
export function mutate(r: Random, seed: Seed, others: readonly Seed[]): Mutant {
  let bytes = seed.bytes;
  const steps: string[] = [];
  const count = r.chance(0.6) ? 1 : r.int(2, 4);
  for (let i = 0; i < count; i++) {
    const [next, what] = step(r, seed, others, bytes);
    bytes = next;
    steps.push(what);
  }
  return { bytes, steps };
}
