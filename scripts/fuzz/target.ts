/** What a fuzz target is: valid inputs to start from, and the parser run to the end on a mutated one. */
import type { Mutant, Seed } from "./mutate";
import type { Random } from "./random";

export interface CaseContext {
  /** A fresh, empty folder for this case's files; whatever the parser leaves in it is checked. */
  readonly dir: string;
}

export interface FuzzTarget {
  readonly name: string;
  /** Valid inputs, the same on every run; `scratch` is a folder for any files making them needs. */
  seeds(scratch: string): Seed[];
  /** A structure-aware mutation, or null to fall back to byte mutations. */
  mutate?(r: Random, seed: Seed, others: readonly Seed[]): Mutant | null;
  /** Runs the parser (and what it feeds) on `input`; returns a short label of the result, or throws. */
  run(input: Uint8Array, seed: Seed, context: CaseContext): Promise<string> | string;
  /** Files the run may leave in `context.dir`: its input, and outputs of a successful run. */
  allowedFiles(succeeded: boolean): string[];
  /** Error classes that count as typed besides AsrError (e.g. the server's HttpError). */
  isTypedError?(e: unknown): boolean;
}
