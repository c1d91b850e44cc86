/**
 * A PyTorch checkpoint rewritten as safetensors, tensor by tensor: one chunk of
 * one tensor in memory at a time, whatever the checkpoint's size. Floats keep
 * their stored dtype (bf16 stays bf16) except float64, which the engine cannot
 * load and which is narrowed to float32 as `tensor.float()` would.
 */
import { basename } from "node:path";
import { ModelFileError } from "../../errors";
import { SafetensorsFileWriter, plannedBytes, type PlannedTensor } from "../safetensors-writer";
import { TorchCheckpoint } from "./checkpoint";
import { namedTensors, selectSubtree, type NamedTensor } from "./state-dict";
import { streamTensorBytes } from "./tensor-bytes";
import { FLOAT32, FLOAT64 } from "./torch-dtypes";

export interface ConvertOptions {
  /** Dotted key path of the object to convert (e.g. "state_dict"); tensor names are then relative to it. */
  readonly key?: string;
  /** Extra `__metadata__` entries for the output. */
  readonly metadata?: Record<string, string>;
}

export interface ConversionResult {
  readonly path: string;
  readonly tensors: number;
  readonly dataBytes: number;
}

/** Views can repeat storage bytes (tied or transposed weights); more than this many times the file is a hostile expansion. */
const MAX_EXPANSION = 8;
const EXPANSION_SLACK_BYTES = 256 << 20;

/** The tensors a conversion would write, by name, without reading their data. */
export function checkpointTensors(checkpoint: TorchCheckpoint, key?: string): NamedTensor[] {
  const root = key ? selectSubtree(checkpoint.root, key, checkpoint.path) : checkpoint.root;
  return namedTensors(root, checkpoint.path);
}

function outputDtype(t: NamedTensor): string {
  return (t.tensor.dtype === FLOAT64 ? FLOAT32 : t.tensor.dtype).safetensors;
}

function narrowFloat64(chunk: Uint8Array): Uint8Array {
  const wide = new Float64Array(chunk.buffer, chunk.byteOffset, chunk.length / 8);
  return new Uint8Array(Float32Array.from(wide).buffer);
}

function plan(checkpoint: TorchCheckpoint, tensors: NamedTensor[]): PlannedTensor[] {
  if (tensors.length === 0) throw new ModelFileError("CHECKPOINT_NO_TENSORS", checkpoint.path, "holds no tensors to convert");
  const planned = tensors.map((t) => ({ name: t.name, dtype: outputDtype(t), shape: t.tensor.shape }));
  const total = tensors.reduce((s, t) => s + t.tensor.numel * t.tensor.dtype.bytes, 0);
  if (total > MAX_EXPANSION * checkpoint.file.size + EXPANSION_SLACK_BYTES) {
    throw new ModelFileError("CHECKPOINT_EXPANDS", checkpoint.path, `its tensor views would write ${total} bytes from a ${checkpoint.file.size}-byte file`);
  }
  return planned;
}

/** Converts the checkpoint at `source` into the safetensors file `destination` (written atomically). */
export function convertCheckpoint(source: string, destination: string, options: ConvertOptions = {}): ConversionResult {
  const checkpoint = TorchCheckpoint.open(source);
  try {
    const tensors = checkpointTensors(checkpoint, options.key);
    const planned = plan(checkpoint, tensors);
    const writer = SafetensorsFileWriter.create(destination, planned, { format: "pt", source: basename(source), ...options.metadata });
    try {
      for (const { tensor } of tensors) {
        const narrow = tensor.dtype === FLOAT64;
        streamTensorBytes(checkpoint, tensor, (chunk) => writer.write(narrow ? narrowFloat64(chunk) : chunk));
      }
    } catch (e) {
      writer.abort();
      throw e;
    }
    writer.commit();
    return { path: destination, tensors: tensors.length, dataBytes: planned.reduce((sum, t) => sum + plannedBytes(t), 0) };
  } finally {
    checkpoint.close();
  }
}
