/** Structure-aware mutation of JSON text: one value replaced, removed or duplicated, so schemas see well-formed but wrong input. */
import type { Mutant } from "./mutate";
import type { Random } from "./random";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const VALUES: Json[] = [0, -1, 1, 2, 0.5, -0.0, 1e-300, 2 ** 31, 2 ** 32 + 1, 2 ** 53, 2 ** 53 + 2, 1e9, 1e15, 1e308, -1e308, "", "x", "16000", "true", null, true, false, [], {}, [1, 2], { a: 1 }];

function paths(value: Json, at: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [at];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...at, i])));
  else if (value !== null && typeof value === "object") for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...at, k]));
  return out;
}

function parentOf(root: Json, path: (string | number)[]): Json {
  let v = root;
  for (const key of path.slice(0, -1)) v = (v as Record<string | number, Json>)[key]!;
  return v;
}

function replacement(r: Random, old: Json): Json {
  if (typeof old === "number" && r.chance(0.5)) return r.pick([old * 1000, old * 1e6, -old, old + 1, old - 1, Math.floor(old / 7), old + 0.5]);
  if (r.chance(0.1)) return "y".repeat(r.int(1000, 100_000));
  return structuredClone(r.pick(VALUES));
}

/** Null when the text is not JSON (the caller then mutates bytes). */
export function mutateJson(r: Random, text: string): Mutant | null {
  let root: Json;
  try {
    root = JSON.parse(text) as Json;
  } catch {
    return null;
  }
  const steps: string[] = [];
  for (let n = r.int(1, 3); n > 0; n--) {
    const all = paths(root);
    const path = r.pick(all);
    if (path.length === 0) {
      root = replacement(r, root);
      steps.push("json root replaced");
      continue;
    }
    const parent = parentOf(root, path) as Record<string | number, Json>;
    const key = path[path.length - 1]!;
    const kind = r.int(0, 3);
    if (kind === 0 && !Array.isArray(parent)) {
      delete parent[key];
      steps.push(`json delete ${path.join(".")}`);
    } else if (kind === 1 && !Array.isArray(parent)) {
      parent[`${String(key)}_extra`] = parent[key]!;
      steps.push(`json duplicate ${path.join(".")}`);
    } else {
      const value = replacement(r, parent[key]!);
      parent[key] = value;
      steps.push(`json ${path.join(".")}=${JSON.stringify(value).slice(0, 40)}`);
    }
  }
  return { bytes: new TextEncoder().encode(JSON.stringify(root, null, r.chance(0.5) ? 2 : undefined)), steps };
}
