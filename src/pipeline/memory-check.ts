/**
 * Refusing to load a model that cannot fit: the weights' bytes as they will sit in
 * memory (read from the checkpoint headers; f16/bf16 upcast to float32 on the
 * CPU) against the machine's RAM.
 */
import { totalmem } from "node:os";
import { MemoryBudgetError } from "../errors";
import { backend } from "../engine/device";
import { CheckpointIndex } from "../engine/weights";
import type { ComponentRole } from "../families/family";
import type { LocatedModel } from "./model-files";

/** Share of RAM the weights may take; the rest is for the OS, activations and the KV cache. */
const WEIGHT_SHARE_OF_RAM = 0.85;

export function residentWeightBytes(files: LocatedModel, quantizeBits?: 4 | 8): number {
  const cpu = backend() === "cpu";
  const parts = files.family.components.map((c) => files[c.role as ComponentRole]).filter((c) => c !== undefined);
  const seen = new Set<string>();
  let total = 0;
  for (const part of parts) {
    const prefix = part.prefix ?? "";
    const index = CheckpointIndex.fromFiles([...part.files]).withPrefix(prefix);
    for (const [name, entry] of index.entries) {
      const key = `${entry.file}:${prefix}${name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const elements = entry.shape.reduce((a, b) => a * b, 1);
      const floating = entry.dtype === "F16" || entry.dtype === "BF16" || entry.dtype === "F32";
      const quantizedAtLoad = part === files.decoder && quantizeBits && floating && entry.shape.length === 2;
      if (quantizedAtLoad) total += elements * (quantizeBits / 8 + (cpu ? 8 : 4) / 64);
      else if (floating) total += elements * (cpu || part !== files.decoder ? 4 : 2);
      else total += elements * (entry.dtype === "U32" || entry.dtype === "I32" ? 4 : 1);
    }
  }
  return total;
}

export function assertFitsInMemory(files: LocatedModel, quantizeBits?: 4 | 8, ram = totalmem()): void {
  const needed = residentWeightBytes(files, quantizeBits);
  if (needed > WEIGHT_SHARE_OF_RAM * ram) {
    const gb = (b: number) => `${(b / 1e9).toFixed(1)} GB`;
    throw new MemoryBudgetError(
      "MEMORY_BUDGET",
      files.root,
      `its weights need ${gb(needed)} in memory on this ${backend()} backend, but this machine has ${gb(ram)}; try --quantize 4 (see transcribe --memory)`,
    );
  }
}
