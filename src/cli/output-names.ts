/**
 * Result file names, one per input and never shared, decided before any work
 * starts: an input's stem first (`talk.txt`); inputs whose names would collide
 * (compared case-insensitively, as macOS and Windows file systems do) keep their
 * extension (`talk.wav.txt`, `talk.flac.txt`), then their folders
 * (`c1/x.txt`, `c2/x.txt`), and as a last resort a number.
 */
import { basename, dirname, extname, join, relative, resolve, sep } from "node:path";

/** How far a name goes to be unique; each level is tried only by inputs that still collide. */
type Level = (input: PlannedInput) => string;

interface PlannedInput {
  /** Folder of the result, relative to the output folder. */
  readonly folder: string;
  /** The input's file name. */
  readonly name: string;
  /** The input's folder relative to what all inputs share (for mirroring). */
  readonly mirrored: string;
  readonly index: number;
}

function stem(name: string): string {
  return basename(name, extname(name));
}

/**
 * Names relative to the output folder, in input order. `folderOf` places an
 * input's result in a subfolder (batch mirrors its tree); inputs in the same
 * folder compete for names.
 */
export function planResultNames(inputs: readonly string[], extension: string, folderOf: (input: string) => string = () => ""): string[] {
  const absolute = inputs.map((input) => resolve(input));
  const shared = commonFolder(absolute.map((path) => dirname(path)));
  const planned: PlannedInput[] = inputs.map((input, index) => ({
    folder: folderOf(input),
    name: basename(input),
    mirrored: relative(shared, dirname(absolute[index]!)),
    index,
  }));
  const levels: Level[] = [
    (p) => join(p.folder, stem(p.name) + extension),
    (p) => join(p.folder, p.name + extension),
    (p) => join(p.folder, p.mirrored, stem(p.name) + extension),
    (p) => join(p.folder, p.mirrored, `${stem(p.name)}.${p.index + 1}${extension}`),
  ];
  const level = planned.map(() => 0);
  for (;;) {
    const names = planned.map((p, i) => levels[level[i]!]!(p));
    const byKey = new Map<string, number[]>();
    names.forEach((name, i) => {
      const key = name.toLowerCase();
      byKey.set(key, [...(byKey.get(key) ?? []), i]);
    });
    const colliding = [...byKey.values()].filter((group) => group.length > 1).flat();
    if (colliding.length === 0) return names;
    for (const i of colliding) level[i] = Math.min(levels.length - 1, level[i]! + 1);
  }
}

/** The deepest folder containing all of `folders` (absolute). */
function commonFolder(folders: readonly string[]): string {
  if (folders.length === 0) return sep;
  const parts = folders.map((f) => f.split(sep));
  const first = parts[0]!;
  let depth = 0;
  while (depth < first.length && parts.every((p) => p[depth] === first[depth])) depth++;
  return first.slice(0, depth).join(sep) || sep;
}
