/**
 * Helpers of the Deno smoke suite (test/deno/*.smoke.ts, run by `deno task test`):
 * the command line under both runtimes, and one tiny model per run.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeTinyModel } from "../../scripts/make-tiny-model";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const CLI = join(ROOT, "src/cli/main.ts");
export const AUDIO = join(ROOT, "test/fixtures/audio/zh_16k.wav");

/** The Deno binary running this suite, with the flags deno.json's tasks pass. */
export const DENO_RUN = [process.execPath, "run", "-A", "--v8-flags=--expose-gc", `--config=${join(ROOT, "deno.json")}`];

export interface Run {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: readonly string[], stdin?: Uint8Array): Run {
  const r = spawnSync(command[0]!, command.slice(1), {
    cwd: ROOT,
    input: stdin,
    stdio: [stdin ? "pipe" : "ignore", "pipe", "pipe"],
    env: { ...process.env, BLIS_NUM_THREADS: process.env.BLIS_NUM_THREADS ?? "1" },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

export const underDeno = (args: readonly string[], stdin?: Uint8Array): Run => run([...DENO_RUN, CLI, ...args], stdin);
export const underBun = (args: readonly string[], stdin?: Uint8Array): Run => run(["bun", CLI, ...args], stdin);

/** Taken before the engine loads: under Deno its kernel compiler's TMPDIR is also process.env's. */
const TMP = tmpdir();

let tiny: Promise<string> | undefined;
/** A tiny FunASR-Qwen4B with random weights, written under Deno (the generator runs the engine). */
export function tinyModel(): Promise<string> {
  return (tiny ??= makeTinyModel(join(mkdtempSync(join(TMP, "mlx-asr-deno-tiny-")), "model")));
}

interface DenoTestDefinition {
  readonly name: string;
  readonly fn: () => Promise<void> | void;
  readonly sanitizeResources?: boolean;
}

/** Deno.test, typed here (the project's types are Bun's, and tsc checks this suite too). */
export const smokeTest: (definition: DenoTestDefinition) => void = (definition) =>
  (globalThis as unknown as { Deno: { test(definition: DenoTestDefinition): void } }).Deno.test(definition);
