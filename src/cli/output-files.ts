/**
 * Writing result files so that a reader (or a resumed batch) never sees half a
 * file: content goes to a temporary name in the same folder, then is renamed.
 */
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { IoError } from "../errors";

const TEMP_SUFFIX = ".mlx-asr-partial";

/** Writes `content` to `path` via a temporary file; `beforeRename` runs once the content is on disk. */
export function writeFileAtomic(path: string, content: string, beforeRename?: () => void): void {
  const temp = `${path}.${process.pid}${TEMP_SUFFIX}`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(temp, content);
    beforeRename?.();
    renameSync(temp, path);
  } catch (e) {
    rmSync(temp, { force: true });
    if (e instanceof IoError) throw e;
    throw new IoError("IO_WRITE", path, `cannot be written (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** Removes temporary files a killed run left behind under `dir`. */
export function removeStalePartials(dir: string): number {
  let removed = 0;
  let entries: import("node:fs").Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) removed += removeStalePartials(path);
    else if (entry.name.endsWith(TEMP_SUFFIX)) {
      rmSync(path, { force: true });
      removed++;
    }
  }
  return removed;
}
