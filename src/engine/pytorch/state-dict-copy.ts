/**
 * A released PyTorch checkpoint as the safetensors a model loader reads: its state
 * dict (unwrapped from `{"state_dict": …}`, `{"model": …}` or `{"model_state_dict": …}`
 * as FunASR's `load_pretrained_model` and mlx-audio's converters unwrap it),
 * converted once into a cache folder and found there afterwards.
 */
import { realpathSync } from "node:fs";
import { basename, dirname } from "node:path";
import { convertCheckpointIntoCache, type CachedConversion } from "./cached-conversion";
import { TorchCheckpoint } from "./checkpoint";
import { PickleDict, type PickleValue } from "./pickle-values";

const WRAPPER_KEYS = ["state_dict", "model", "model_state_dict"];

/** The key a checkpoint wraps its state dict under, if it does. */
export function stateDictKey(root: PickleValue): string | undefined {
  if (!(root instanceof PickleDict)) return undefined;
  return WRAPPER_KEYS.find((key) => root.entries.get(key) instanceof PickleDict);
}

/** The sha256 a Hugging Face cache names an LFS blob by, when `path` resolves to one (the download verified it). */
function blobSha256(path: string): string | undefined {
  const real = realpathSync(path);
  const name = basename(real);
  return /^[0-9a-f]{64}$/.test(name) && basename(dirname(real)) === "blobs" ? name : undefined;
}

/** The safetensors copy of the state dict of the checkpoint at `source`, in `cacheDir`. */
export function stateDictCopy(source: string, cacheDir: string): CachedConversion {
  const checkpoint = TorchCheckpoint.open(source);
  let key: string | undefined;
  try {
    key = stateDictKey(checkpoint.root);
  } finally {
    checkpoint.close();
  }
  return convertCheckpointIntoCache(source, cacheDir, { key, sha256: blobSha256(source) });
}
