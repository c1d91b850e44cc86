/**
 * A family's model folder assembled from the hub repositories it is published in:
 * `<mlx-asr cache>/models/<family>[-<variant>]/`, holding links to the chosen
 * files of each repository's snapshot in the Hugging Face cache (at the source's
 * `folder`), and `sources.json` saying which repositories, commits and files.
 *
 * Links rather than a LocatedModel built in memory: the folder is laid out as the
 * family's release layout expects a hand-made one (the layout that reads a user's
 * folder reads this one), it needs no network to find again, and `inspect`,
 * `--memory`, `quantize` and `--model <folder>` work on it like on any folder.
 * It is written to a temporary folder and renamed into place, so it is either
 * complete or absent.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { z } from "zod";
import { IoError } from "../errors";
import type { FamilyDefinition } from "../families/family";
import { cacheRoot } from "../engine/cache-dir";

export const SOURCES_FILE = "sources.json";

const SourcesSchema = z.object({
  family: z.string(),
  variant: z.string(),
  sources: z.array(
    z.object({
      repo: z.string(),
      commit: z.string(),
      /** Sub-folder of the model folder the files are linked into ("" for the top). */
      folder: z.string(),
      parts: z.array(z.string()),
      files: z.array(z.string()),
    }),
  ),
});
export type AssembledSources = z.output<typeof SourcesSchema>;

export interface AssembledSource {
  readonly repo: string;
  readonly commit: string;
  readonly folder: string;
  readonly parts: readonly string[];
  /** Its snapshot folder in the Hugging Face cache. */
  readonly snapshot: string;
  /** Paths inside the repository. */
  readonly files: readonly string[];
}

export function assembledModelDir(family: FamilyDefinition, variant: string): string {
  return join(cacheRoot(), "models", variant ? `${family.name}-${variant}` : family.name);
}

/** What the folder was assembled from, when it is complete: its sources.json reads and every file it lists is reachable. */
export function readAssembledModel(dir: string): AssembledSources | null {
  let sources: AssembledSources;
  try {
    sources = SourcesSchema.parse(JSON.parse(readFileSync(join(dir, SOURCES_FILE), "utf8")));
  } catch {
    return null;
  }
  // existsSync follows the links: a snapshot or blob removed from the Hugging Face cache makes the folder incomplete.
  const complete = sources.sources.every((s) => s.files.every((f) => existsSync(join(dir, s.folder, f))));
  return complete ? sources : null;
}

/** The assembled folder of this variant, when it is complete. */
export function findAssembledModel(family: FamilyDefinition, variant: string): string | null {
  const dir = assembledModelDir(family, variant);
  return readAssembledModel(dir) ? dir : null;
}

/** Links the sources' files into the variant's folder (replacing an older one) and returns it. */
export function writeAssembledModel(family: FamilyDefinition, variant: string, sources: readonly AssembledSource[]): string {
  const dir = assembledModelDir(family, variant);
  const temporary = `${dir}.${process.pid}.tmp`;
  try {
    rmSync(temporary, { recursive: true, force: true });
    for (const source of sources) {
      for (const file of source.files) {
        const link = join(temporary, source.folder, file);
        if (existsSync(link)) continue;
        mkdirSync(dirname(link), { recursive: true });
        symlinkSync(join(source.snapshot, file), link);
      }
    }
    const record: AssembledSources = {
      family: family.name,
      variant,
      sources: sources.map(({ repo, commit, folder, parts, files }) => ({ repo, commit, folder, parts: [...parts], files: [...files] })),
    };
    mkdirSync(temporary, { recursive: true });
    writeFileSync(join(temporary, SOURCES_FILE), `${JSON.stringify(record, null, 2)}\n`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(temporary, dir);
  } catch (e) {
    rmSync(temporary, { recursive: true, force: true });
    throw new IoError("IO_CACHE_WRITE", dir, `the model folder cannot be written (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return dir;
}
