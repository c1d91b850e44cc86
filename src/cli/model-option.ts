/**
 * The `--model` option of the commands: a folder, a family name (looked up in
 * ./models), or a hub id, downloaded after asking on a terminal (or at once with --yes).
 */
import { DEFAULT_FAMILY } from "../families/registry";
import type { ResolveModelOptions } from "../pipeline/resolve-model";
import { Transcriber } from "../pipeline/transcriber";
import { ensureDownloaded } from "./download";

export const DEFAULT_MODEL = DEFAULT_FAMILY;

export interface ModelOptionValues {
  readonly model?: string;
  readonly quantize?: 4 | 8;
  readonly yes?: boolean;
  readonly family?: string;
}

/** How the command line gets a hub model that is not cached: with --yes at once, else by asking on a terminal. */
export function cliResolveOptions(yes = false, family?: string): ResolveModelOptions {
  const interactive = !yes && Boolean(process.stdin.isTTY && process.stderr.isTTY);
  return {
    family,
    fetch: (repoId, revision) => ensureDownloaded(repoId, revision, yes ? { interactive: false, confirmed: true } : { interactive }),
  };
}

export function loadTranscriber(values: ModelOptionValues): Promise<Transcriber> {
  return Transcriber.load(values.model ?? DEFAULT_MODEL, { quantizeBits: values.quantize, ...cliResolveOptions(values.yes, values.family) });
}
