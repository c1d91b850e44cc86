/**
 * Families a user brings: modules that call `registerFamily` when imported, named
 * in MLX_ASR_PLUGINS (paths separated like PATH) or loaded by a program. The paths
 * loaded so far are kept, so the server's engine worker can load the same ones.
 */
import { delimiter, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { UsageError } from "../errors";

const loaded: string[] = [];

/** Imports a family module once (an absolute or working-directory-relative path). */
export async function loadFamilyModule(path: string): Promise<void> {
  const absolute = resolve(path);
  if (loaded.includes(absolute)) return;
  try {
    await import(pathToFileURL(absolute).href);
  } catch (e) {
    throw new UsageError("PLUGIN_FAILED", path, `could not load this family module: ${(e as Error).message.split("\n")[0]}`);
  }
  loaded.push(absolute);
}

/** Loads the modules named in MLX_ASR_PLUGINS. */
export async function loadFamilyPlugins(variable = process.env.MLX_ASR_PLUGINS): Promise<void> {
  for (const path of (variable ?? "").split(delimiter).filter(Boolean)) await loadFamilyModule(path);
}

/** The family modules loaded in this thread, for another thread to load the same. */
export function loadedFamilyModules(): readonly string[] {
  return [...loaded];
}
