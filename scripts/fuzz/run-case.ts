/**
 * One fuzz case: a target's seed, mutated as the case's random generator says,
 * run through the parser. The case passes when the parser returns or throws a
 * typed error and leaves no file behind; anything else is a failure to report.
 */
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { isAsrError } from "../../src/errors";
import { mutate, type Seed } from "./mutate";
import { caseRandom } from "./random";
import type { FuzzTarget } from "./target";
import { targetOfCase } from "./targets";

export type Outcome =
  | { readonly kind: "ok"; readonly label: string }
  | { readonly kind: "typed"; readonly code: string }
  | { readonly kind: "failure"; readonly reason: string; readonly detail: string };

export interface CaseResult {
  readonly index: number;
  readonly target: string;
  readonly seed: string;
  readonly steps: readonly string[];
  readonly outcome: Outcome;
  readonly ms: number;
}

export interface CaseSetup {
  readonly runSeed: number;
  /** Where case folders and seed files go. */
  readonly workDir: string;
  readonly only?: readonly string[];
  /** Print the stack of untyped errors (single-case reproduction). */
  readonly verbose?: boolean;
}

const seedCache = new Map<string, Seed[]>();

function seedsOf(target: FuzzTarget, workDir: string): Seed[] {
  let seeds = seedCache.get(target.name);
  if (!seeds) {
    const scratch = join(workDir, `seeds-${target.name}`);
    mkdirSync(scratch, { recursive: true });
    seeds = target.seeds(scratch);
    seedCache.set(target.name, seeds);
  }
  return seeds;
}

function classify(target: FuzzTarget, e: unknown, verbose: boolean): Outcome {
  if (isAsrError(e)) return { kind: "typed", code: e.code };
  if (target.isTypedError?.(e)) return { kind: "typed", code: String((e as { code?: unknown }).code ?? "typed") };
  const error = e instanceof Error ? e : new Error(String(e));
  const where = (error.stack ?? "").split("\n").slice(1, verbose ? 12 : 3).map((l) => l.trim()).join(" | ");
  return { kind: "failure", reason: `untyped ${error.name}`, detail: `${error.message.split("\n")[0]}${where ? ` at ${where}` : ""}` };
}

export async function runCase(index: number, setup: CaseSetup): Promise<CaseResult> {
  const target = targetOfCase(index, setup.only);
  const r = caseRandom(setup.runSeed, index);
  const seeds = seedsOf(target, setup.workDir);
  const seed = r.pick(seeds);
  const mutant = target.mutate?.(r, seed, seeds) ?? mutate(r, seed, seeds);
  const dir = join(setup.workDir, `case-${index}`);
  mkdirSync(dir, { recursive: true });
  const started = performance.now();
  let outcome: Outcome;
  try {
    outcome = { kind: "ok", label: await target.run(mutant.bytes, seed, { dir }) };
  } catch (e) {
    outcome = classify(target, e, setup.verbose ?? false);
  }
  const ms = performance.now() - started;
  const allowed = new Set(target.allowedFiles(outcome.kind === "ok"));
  const leftovers = readdirSync(dir).filter((f) => !allowed.has(f));
  if (leftovers.length > 0 && outcome.kind !== "failure") {
    outcome = { kind: "failure", reason: "files left behind", detail: `${leftovers.join(", ")} (after ${outcome.kind === "ok" ? "success" : outcome.code})` };
  }
  rmSync(dir, { recursive: true, force: true });
  return { index, target: target.name, seed: seed.name, steps: mutant.steps, outcome, ms };
}
