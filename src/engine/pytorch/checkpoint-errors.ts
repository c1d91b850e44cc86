/** The typed errors a PyTorch checkpoint can raise, each naming the file. */
import { ModelFileError } from "../../errors";

export function checkpointCorrupt(path: string, detail: string): ModelFileError {
  return new ModelFileError("CHECKPOINT_CORRUPT", path, `not a valid PyTorch checkpoint: ${detail}`);
}

export function checkpointTruncated(path: string, detail: string): ModelFileError {
  return new ModelFileError("CHECKPOINT_TRUNCATED", path, `PyTorch checkpoint is truncated: ${detail} (was the download cut short?)`);
}

export function checkpointUnsupported(path: string, detail: string): ModelFileError {
  return new ModelFileError("CHECKPOINT_UNSUPPORTED", path, detail);
}

export function pickleInvalid(path: string, where: string, detail: string): ModelFileError {
  return new ModelFileError("PICKLE_INVALID", path, `${where}: ${detail}`);
}

export function globalRefused(path: string, where: string, qualifiedName: string): ModelFileError {
  return new ModelFileError(
    "PICKLE_GLOBAL_REFUSED",
    path,
    `${where}: refers to "${qualifiedName}", which is not a tensor, storage or container type; refused, nothing was run (only state dicts of tensors can be read)`,
  );
}
