/** Finding a release's files in a folder: shared by the families' release layouts. */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { readJsonFile } from "../config";
import { TorchCheckpoint } from "../engine/pytorch/checkpoint";
import { checkpointTensors } from "../engine/pytorch/convert";
import { stateDictCopy, stateDictKey } from "../engine/pytorch/state-dict-copy";
import { CheckpointIndex } from "../engine/weights";
import { conversionCacheDir } from "../engine/cache-dir";

export function isDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/** The first of `candidates` (paths relative to `root`) that exists. */
export function firstExisting(root: string, candidates: readonly string[]): string | null {
  for (const c of candidates) if (existsSync(join(root, c))) return join(root, c);
  return null;
}

/** Whether `dir/config.json` names one of these model types or architectures. */
export function hasModelConfig(dir: string, types: readonly string[]): boolean {
  const file = join(dir, "config.json");
  if (!existsSync(file)) return false;
  const json = readJsonFile(file) as { model_type?: unknown; architectures?: unknown };
  return (typeof json.model_type === "string" && types.includes(json.model_type)) || (Array.isArray(json.architectures) && json.architectures.some((a) => types.includes(a)));
}

/** The first of the named sub-folders, else any direct sub-folder of `root` or `root/models`, whose config names one of `types`. */
export function findModelDir(root: string, types: readonly string[], named: readonly string[] = []): string | null {
  const hit = named.map((d) => join(root, d)).find((d) => hasModelConfig(d, types));
  if (hit) return hit;
  for (const base of [root, join(root, "models")]) {
    if (!isDir(base)) continue;
    for (const entry of readdirSync(base).sort()) if (isDir(join(base, entry)) && hasModelConfig(join(base, entry), types)) return join(base, entry);
  }
  return null;
}

function isPytorchCheckpoint(file: string): boolean {
  return /\.(pt|pth|bin)$/.test(file);
}

/** The tensor names of a checkpoint, from its header (safetensors) or its pickle (PyTorch, without reading the tensors). */
export function checkpointKeys(file: string): string[] {
  if (!isPytorchCheckpoint(file)) return [...CheckpointIndex.fromFiles([file]).entries.keys()];
  const checkpoint = TorchCheckpoint.open(file);
  try {
    return checkpointTensors(checkpoint, stateDictKey(checkpoint.root)).map((t) => t.name);
  } finally {
    checkpoint.close();
  }
}

/** A checkpoint as safetensors: the file itself, or a PyTorch checkpoint's state dict converted once into mlx-asr's cache. */
export function asSafetensors(file: string): string {
  return isPytorchCheckpoint(file) ? stateDictCopy(file, conversionCacheDir()).path : file;
}
