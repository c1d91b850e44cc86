/**
 * Renames imported symbols in a 64-bit little-endian ELF shared object (in memory),
 * in its dynamic string table only, each to a name of the same length. The loader
 * then binds those imports to whatever global symbol has the new name.
 */
import { IoError } from "../errors";

interface Section {
  readonly name: number;
  readonly offset: number;
  readonly size: number;
}

function sections(elf: Buffer): Section[] {
  const count = elf.readUInt16LE(0x3c);
  const entrySize = elf.readUInt16LE(0x3a);
  const start = Number(elf.readBigUInt64LE(0x28));
  return Array.from({ length: count }, (_, i) => {
    const at = start + i * entrySize;
    return { name: elf.readUInt32LE(at), offset: Number(elf.readBigUInt64LE(at + 0x18)), size: Number(elf.readBigUInt64LE(at + 0x20)) };
  });
}

function dynamicStrings(elf: Buffer, file: string): Section {
  const isElf64Le = elf.length > 0x40 && elf.readUInt32BE(0) === 0x7f454c46 && elf[4] === 2 && elf[5] === 1;
  if (!isElf64Le) throw new IoError("ENGINE_NOT_ELF", file, "is not a 64-bit little-endian ELF shared object");
  const all = sections(elf);
  const names = all[elf.readUInt16LE(0x3e)];
  const found = names && all.find((s) => elf.toString("latin1", names.offset + s.name, names.offset + s.name + 8) === ".dynstr\0");
  if (!found) throw new IoError("ENGINE_NO_DYNSTR", file, "has no .dynstr section");
  return found;
}

/**
 * Renames each `from` import to its `to` (same length) and returns the names renamed.
 * A name the object does not mention is left alone (it is not imported); one that
 * occurs more than once, or only as the tail of a longer string, is an error.
 */
export function renameImports(elf: Buffer, renames: Readonly<Record<string, string>>, file: string): { patched: Buffer; renamed: string[] } {
  const table = dynamicStrings(elf, file);
  const patched = Buffer.from(elf);
  const strings = patched.subarray(table.offset, table.offset + table.size);
  const renamed: string[] = [];
  for (const [from, to] of Object.entries(renames)) {
    if (from.length !== to.length) throw new Error(`renameImports: ${from} and ${to} differ in length`);
    const tail = Buffer.from(`${from}\0`, "latin1");
    if (strings.indexOf(tail) < 0) continue;
    const at = strings.indexOf(Buffer.from(`\0${from}\0`, "latin1"));
    // A second occurrence, or the name shared as the tail of a longer string, would leave an import unrenamed.
    if (at < 0 || strings.indexOf(tail) !== at + 1 || strings.lastIndexOf(tail) !== at + 1) {
      throw new IoError("ENGINE_IMPORT_LAYOUT", file, `imports ${from} in an unexpected way; cannot bind the Deno Node-API corrections`);
    }
    strings.write(to, at + 1, "latin1");
    renamed.push(from);
  }
  return { patched, renamed };
}
