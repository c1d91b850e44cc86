/**
 * Checkpoint files as a set of named tensors: found on disk (single or sharded
 * safetensors), checked against the names and shapes a network expects from
 * the headers alone, then loaded and cast to the compute dtype.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { ModelFileError } from "../errors";
import { readJsonFile } from "../config";
import { loadSafetensors, readSafetensorsHeader } from "./safetensors";
import { mx, type Dtype, type Tensor } from "./mlx";

export interface TensorEntry {
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly file: string;
}

/** Names → header entries of every tensor in a checkpoint (one or more files). */
export class CheckpointIndex {
  constructor(
    readonly files: string[],
    readonly entries: ReadonlyMap<string, TensorEntry>,
  ) {}

  /** Where to say the problem is: the file, or the folder of a sharded set. */
  get label(): string {
    return this.files.length === 1 ? this.files[0]! : `${this.files[0]!.replace(/\/[^/]*$/, "")} (${this.files.length} files)`;
  }

  static fromFiles(files: string[]): CheckpointIndex {
    const entries = new Map<string, TensorEntry>();
    for (const file of files) {
      for (const [name, info] of readSafetensorsHeader(file).tensors) {
        if (entries.has(name)) throw new ModelFileError("CHECKPOINT_DUPLICATE", file, `tensor "${name}" also appears in ${entries.get(name)!.file}`);
        entries.set(name, { shape: info.shape, dtype: info.dtype, file });
      }
    }
    return new CheckpointIndex(files, entries);
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** The names under `prefix`, without it. */
  withPrefix(prefix: string): CheckpointIndex {
    const entries = new Map<string, TensorEntry>();
    for (const [name, e] of this.entries) if (name.startsWith(prefix)) entries.set(name.slice(prefix.length), e);
    return new CheckpointIndex(this.files, entries);
  }
}

/**
 * The safetensors files of a component directory: `model.safetensors`, the shards
 * listed by `model.safetensors.index.json`, or else every `*.safetensors` file.
 */
export function findWeightFiles(dir: string, preferred: string[] = ["model.safetensors"]): string[] {
  for (const name of preferred) {
    const path = join(dir, name);
    if (existsSync(path)) return [path];
  }
  const index = join(dir, "model.safetensors.index.json");
  if (existsSync(index)) {
    const map = (readJsonFile(index) as { weight_map?: Record<string, string> }).weight_map;
    if (!map || typeof map !== "object") throw new ModelFileError("CHECKPOINT_INDEX", index, "has no weight_map object");
    return [...new Set(Object.values(map))].sort().map((f) => join(dir, f));
  }
  let all: string[] = [];
  try {
    all = readdirSync(dir).filter((f) => f.endsWith(".safetensors")).sort();
  } catch {
    throw new ModelFileError("FILE_MISSING", dir, "directory does not exist");
  }
  if (all.length === 0) throw new ModelFileError("FILE_MISSING", dir, `holds no weights (expected ${preferred.join(" or ")})`);
  return all.map((f) => join(dir, f));
}

function describeList(names: string[], limit = 4): string {
  const shown = names.slice(0, limit).map((n) => `"${n}"`).join(", ");
  return names.length > limit ? `${shown} and ${names.length - limit} more` : shown;
}

/**
 * Compares a checkpoint's names and shapes with what a network expects; any
 * missing, unexpected or mis-shaped tensor is an error naming the file and keys.
 * `ignore` names tensors that may be present but are not used (e.g. a CTC head).
 */
export function expectTensors(
  index: CheckpointIndex,
  expected: ReadonlyMap<string, readonly number[]>,
  component: string,
  ignore: (name: string) => boolean = () => false,
): void {
  const missing = [...expected.keys()].filter((k) => !index.has(k));
  if (missing.length) {
    throw new ModelFileError("WEIGHTS_MISSING", index.label, `${component} weights lack ${describeList(missing)}`);
  }
  const unexpected = [...index.entries.keys()].filter((k) => !expected.has(k) && !ignore(k));
  if (unexpected.length) {
    throw new ModelFileError("WEIGHTS_UNEXPECTED", index.label, `${component} weights have unexpected tensors ${describeList(unexpected)}`);
  }
  for (const [name, shape] of expected) {
    const actual = index.entries.get(name)!.shape;
    if (actual.length !== shape.length || actual.some((d, i) => d !== shape[i])) {
      throw new ModelFileError(
        "WEIGHTS_SHAPE",
        index.label,
        `${component} tensor "${name}" has shape [${actual.join(", ")}], expected [${shape.join(", ")}]`,
      );
    }
  }
}

/** Loads the tensors named under `prefix` in the index's files, keyed without the prefix. */
export function loadCheckpoint(index: CheckpointIndex, prefix = ""): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const file of index.files) {
    for (const [name, tensor] of Object.entries(loadSafetensors(file))) {
      if (name.startsWith(prefix)) out[name.slice(prefix.length)] = tensor;
    }
  }
  return out;
}

/** Casts floating tensors to the compute dtype (integer tensors, e.g. packed codes, are kept). */
export function castFloating(t: Tensor, dtype: Dtype): Tensor {
  return mx.issubdtype(t.dtype, mx.floating) && t.dtype !== dtype ? t.astype(dtype) : t;
}

/** Takes tensors by name, cast to the compute dtype, and evaluates them together once a network is built. */
export class TensorPicker {
  private readonly picked: Tensor[] = [];

  constructor(
    /** The stored tensor `name` (or the first alternative present). */
    private readonly source: (name: string, ...alternatives: string[]) => Tensor,
    private readonly dtype: Dtype,
  ) {}

  /** The tensor `name` (or the first alternative name present). */
  get(name: string, ...alternatives: string[]): Tensor {
    return this.keep(castFloating(this.source(name, ...alternatives), this.dtype));
  }

  /** Keeps a derived tensor (e.g. a transposed weight) for the common evaluation. */
  keep(tensor: Tensor): Tensor {
    this.picked.push(tensor);
    return tensor;
  }

  evaluate(): void {
    mx.eval(...this.picked);
  }
}
