/**
 * `bun run fuzz [--cases N] [--seed S] [--only wav,pickle] [--timeout-ms T] [--workers W]`
 * mutates valid inputs of every parser that reads untrusted bytes and checks each
 * case ends in a result or a typed error, in time, leaving no file behind.
 * `--case K` replays one case in this process, with the stack of any failure.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { runFuzz } from "./harness";
import { formatReport } from "./report";
import { TARGET_NAMES } from "./target-names";

const Options = z.object({
  cases: z.coerce.number().int().positive().default(1000),
  seed: z.coerce.number().int().nonnegative().max(2 ** 32 - 1).default(1),
  case: z.coerce.number().int().nonnegative().optional(),
  only: z
    .string()
    .transform((s) => s.split(",").filter(Boolean))
    .pipe(z.array(z.enum(TARGET_NAMES)))
    .optional(),
  "timeout-ms": z.coerce.number().int().positive().default(5000),
  workers: z.coerce.number().int().min(1).max(8).default(1),
});

async function replay(index: number, seed: number, only: readonly string[]): Promise<number> {
  const { runCase } = await import("./run-case");
  const workDir = mkdtempSync(join(tmpdir(), "mlx-asr-fuzz-"));
  try {
    const result = await runCase(index, { runSeed: seed, workDir, only, verbose: true });
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return result.outcome.kind === "failure" ? 1 : 0;
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { cases: { type: "string" }, seed: { type: "string" }, case: { type: "string" }, only: { type: "string" }, "timeout-ms": { type: "string" }, workers: { type: "string" } },
    strict: true,
  });
  const parsed = Options.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    process.stderr.write(`fuzz: --${issue.path.join(".")}: ${issue.message}\n`);
    return 2;
  }
  const o = parsed.data;
  if (o.case !== undefined) return replay(o.case, o.seed, o.only ?? []);
  let done = 0;
  const run = await runFuzz({
    cases: o.cases,
    seed: o.seed,
    timeoutMs: o["timeout-ms"],
    workers: o.workers,
    only: o.only,
    onResult: (r) => {
      done++;
      if (r.outcome.kind === "failure") process.stderr.write(`\nFAIL case ${r.index} [${r.target}]: ${r.outcome.reason}: ${r.outcome.detail}\n`);
      if (process.stderr.isTTY && done % 50 === 0) process.stderr.write(`\rfuzz: ${done}/${o.cases}`);
    },
  });
  if (process.stderr.isTTY) process.stderr.write("\r");
  process.stdout.write(`${formatReport(run.results, run.seconds, o.seed)}\n`);
  return run.results.some((r) => r.outcome.kind === "failure") ? 1 : 0;
}

process.exitCode = await main();
