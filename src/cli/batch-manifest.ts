/**
 * What a batch has finished, keyed by input: one JSON line per result in the
 * output folder, appended once the result's content is on disk under its temporary
 * name and before it takes its real one. An input counts as done only if its line
 * names the result the current plan gives it and that file exists — so a result
 * that was lost, overwritten under another name or written in another format is
 * done again.
 */
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { IoError } from "../errors";

export const MANIFEST_NAME = ".mlx-asr-batch.jsonl";

interface ManifestLine {
  /** The input, relative to the batch folder. */
  readonly input: string;
  /** Its result, relative to the output folder. */
  readonly result: string;
}

function parseLine(line: string): ManifestLine | null {
  try {
    const value = JSON.parse(line) as Partial<ManifestLine>;
    return typeof value.input === "string" && typeof value.result === "string" ? { input: value.input, result: value.result } : null;
  } catch {
    // A line cut short by a kill: that result is simply not recorded.
    return null;
  }
}

export class BatchManifest {
  private readonly results = new Map<string, string>();
  readonly path: string;

  constructor(readonly outputDir: string) {
    this.path = join(outputDir, MANIFEST_NAME);
    if (!existsSync(this.path)) return;
    for (const line of readFileSync(this.path, "utf8").split("\n")) {
      const entry = line.trim() ? parseLine(line) : null;
      if (entry) this.results.set(entry.input, entry.result);
    }
  }

  /** Whether `input`'s result `result` was finished and is still there. */
  isDone(input: string, result: string): boolean {
    return this.results.get(input) === result && existsSync(join(this.outputDir, result));
  }

  record(input: string, result: string): void {
    try {
      appendFileSync(this.path, `${JSON.stringify({ input, result } satisfies ManifestLine)}\n`);
    } catch (e) {
      throw new IoError("IO_WRITE", this.path, `cannot be written (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    this.results.set(input, result);
  }
}
