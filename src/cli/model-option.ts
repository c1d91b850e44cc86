/**
 * The `--model` option of the commands: a folder, a family name (looked up in
 * ./models), or a hub id, downloaded after asking on a terminal (or at once with --yes).
 */
import { FAMILIES } from "../pipeline/families";
import { resolveModelReference } from "../hub/reference";
import { Transcriber } from "../pipeline/transcriber";
import { ensureDownloaded } from "./download";

export const DEFAULT_MODEL = "funasr-qwen4b";

export interface ModelOptionValues {
  readonly model?: string;
  readonly quantize?: 4 | 8;
  readonly yes?: boolean;
  readonly family?: string;
}

/** Resolves the hub case (download if needed) and returns what Transcriber.load accepts. */
export async function modelLocation(ref: string, yes = false): Promise<string> {
  if (FAMILIES[ref]) return ref;
  const reference = resolveModelReference(ref);
  if (reference.kind === "dir") return reference.path;
  if (reference.snapshot) return reference.snapshot;
  const interactive = !yes && Boolean(process.stdin.isTTY && process.stderr.isTTY);
  if (yes) return ensureDownloaded(reference.repoId, reference.revision, { interactive: false, confirmed: true });
  return ensureDownloaded(reference.repoId, reference.revision, { interactive });
}

export async function loadTranscriber(values: ModelOptionValues): Promise<Transcriber> {
  const location = await modelLocation(values.model ?? DEFAULT_MODEL, values.yes);
  return Transcriber.load(location, { quantizeBits: values.quantize, family: values.family });
}
