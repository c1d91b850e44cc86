/**
 * Checkpoint key layouts: how a released file names and shapes a network's
 * tensors, as rules that turn its names into the network's canonical ones
 * (mlx-lm's `sanitize`, written once as data). The same rules rename a checkpoint's
 * index (names and shapes, from the headers alone, for validation before anything
 * loads) and its loaded tensors.
 */
import { mx, type Tensor } from "./mlx";
import { CheckpointIndex, type TensorEntry } from "./weights";

export type KeyRule =
  /** Rewrites matching names (`String.replace`; every rename rule applies in order). */
  | { readonly match: RegExp; readonly rename: string }
  /** One tensor → equal parts along `axis`, named by the replacement patterns. */
  | { readonly match: RegExp; readonly split: readonly string[]; readonly axis: number }
  /** Reorders the axes of matching (already renamed) tensors. */
  | { readonly match: RegExp; readonly permute: readonly number[] }
  /** Tensors the network does not use. */
  | { readonly match: RegExp; readonly drop: true };

export interface KeyLayout {
  readonly name: string;
  /** Whether a (prefix-free) index is in this layout, from its names. */
  detect(index: CheckpointIndex): boolean;
  readonly rules: readonly KeyRule[];
}

/** The layout whose names the network itself uses. */
export const CANONICAL_LAYOUT: KeyLayout = { name: "canonical", detect: () => true, rules: [] };

/** The first layout that recognises the index (the canonical one when none does). */
export function detectLayout(layouts: readonly KeyLayout[], index: CheckpointIndex): KeyLayout {
  return layouts.find((l) => l.detect(index)) ?? CANONICAL_LAYOUT;
}

interface Mapped {
  readonly name: string;
  readonly split?: { readonly index: number; readonly parts: number; readonly axis: number };
  readonly permute?: readonly number[];
}

function mapName(name: string, layout: KeyLayout): Mapped[] {
  let current = name;
  for (const rule of layout.rules) {
    if ("drop" in rule && rule.match.test(current)) return [];
    if ("rename" in rule) current = current.replace(rule.match, rule.rename);
  }
  const split = layout.rules.find((r): r is Extract<KeyRule, { split: readonly string[] }> => "split" in r && r.match.test(current));
  const targets: Mapped[] = split
    ? split.split.map((pattern, index) => ({ name: current.replace(split.match, pattern), split: { index, parts: split.split.length, axis: split.axis } }))
    : [{ name: current }];
  return targets.map((t) => {
    const permute = layout.rules.find((r): r is Extract<KeyRule, { permute: readonly number[] }> => "permute" in r && r.match.test(t.name));
    return permute ? { ...t, permute: permute.permute } : t;
  });
}

function mappedShape(shape: readonly number[], m: Mapped): number[] {
  const out = [...shape];
  if (m.split) out[m.split.axis] = out[m.split.axis]! / m.split.parts;
  return m.permute ? m.permute.map((axis) => out[axis]!) : out;
}

/** The index under canonical names and shapes. */
export function canonicalIndex(index: CheckpointIndex, layout: KeyLayout): CheckpointIndex {
  if (layout.rules.length === 0) return index;
  const entries = new Map<string, TensorEntry>();
  for (const [name, entry] of index.entries) {
    for (const m of mapName(name, layout)) entries.set(m.name, { ...entry, shape: mappedShape(entry.shape, m) });
  }
  return new CheckpointIndex(index.files, entries);
}

/** Loaded tensors under canonical names, split and permuted as the layout says. */
export function canonicalTensors(tensors: Record<string, Tensor>, layout: KeyLayout): Record<string, Tensor> {
  if (layout.rules.length === 0) return tensors;
  const out: Record<string, Tensor> = {};
  for (const [name, tensor] of Object.entries(tensors)) {
    for (const m of mapName(name, layout)) {
      let t = m.split ? mx.split(tensor, m.split.parts, m.split.axis)[m.split.index]! : tensor;
      if (m.permute) t = t.transpose(...m.permute);
      out[m.name] = t;
    }
  }
  return out;
}
