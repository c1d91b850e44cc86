/**
 * The `--model` option of the commands: a folder, a hub id, or a family name
 * (`name[:variant]`: ./models/<name>, else the family's weights from the hub).
 * Weights not on this machine are downloaded after asking on a terminal, at once
 * with --yes (or MLX_ASR_ASSUME_YES=1), else the command ends with the command
 * that downloads them.
 */
import { DEFAULT_FAMILY } from "../families/registry";
import { locateModelFiles, type LocatedModel } from "../pipeline/model-files";
import { familyHint, resolveModelFolder } from "../pipeline/resolve-model";
import { Transcriber } from "../pipeline/transcriber";
import { withCliDownloads } from "./download-question";

export const DEFAULT_MODEL = DEFAULT_FAMILY;

export interface ModelOptionValues {
  readonly model?: string;
  readonly quantize?: 4 | 8;
  readonly yes?: boolean;
  readonly family?: string;
}

/** The model folder `ref` names, downloaded first if need be (and agreed to). */
export function cliModelFolder(ref: string, yes?: boolean): Promise<string> {
  return withCliDownloads(yes, (options) => resolveModelFolder(ref, options));
}

export async function cliResolveModel(ref: string, options: { yes?: boolean; family?: string } = {}): Promise<LocatedModel> {
  return locateModelFiles(await cliModelFolder(ref, options.yes), familyHint(ref, options.family));
}

export async function loadTranscriber(values: ModelOptionValues): Promise<Transcriber> {
  const ref = values.model ?? DEFAULT_MODEL;
  const folder = await cliModelFolder(ref, values.yes);
  return Transcriber.load(folder, { quantizeBits: values.quantize, family: familyHint(ref, values.family) });
}
