/** Reading a network's sizes off a checkpoint's tensor shapes. */
import { ModelFileError } from "../errors";
import type { CheckpointIndex } from "../engine/weights";

export function shapeOf(index: CheckpointIndex, name: string, network: string): readonly number[] {
  const entry = index.entries.get(name);
  if (!entry) throw new ModelFileError("WEIGHTS_MISSING", index.label, `${network} weights lack "${name}"`);
  return entry.shape;
}

/** How many distinct indices the first group of `pattern` takes among the names (e.g. layers). */
export function countIndexed(index: CheckpointIndex, pattern: RegExp): number {
  const seen = new Set<string>();
  for (const name of index.entries.keys()) {
    const m = pattern.exec(name);
    if (m) seen.add(m[1]!);
  }
  return seen.size;
}
