/**
 * The fuzz run: cases spread over worker processes, each case under a time
 * limit. A worker that dies (a crash) or stops reporting (a hang) is killed and
 * restarted after the case it was running, which is recorded as a failure.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CaseResult } from "./run-case";
import { targetNameOfCase } from "./target-names";
import type { WorkerEvent } from "./worker";

export interface FuzzOptions {
  readonly cases: number;
  readonly seed: number;
  /** Longest a case may run before it counts as a hang. */
  readonly timeoutMs: number;
  readonly workers: number;
  readonly only?: readonly string[];
  readonly onResult?: (result: CaseResult) => void;
}

export interface FuzzRun {
  readonly results: CaseResult[];
  readonly seconds: number;
}

const WORKER = join(import.meta.dir, "worker.ts");
/** A worker must be ready this long after it starts (module loading on a busy machine). */
const STARTUP_MS = 60_000;

function failed(index: number, options: FuzzOptions, reason: string, detail: string): CaseResult {
  return { index, target: targetNameOfCase(index, options.only), seed: "?", steps: [], outcome: { kind: "failure", reason, detail }, ms: 0 };
}

/** Runs cases [from, to) in successive workers until every case has a result. */
async function runRange(from: number, to: number, options: FuzzOptions, workDir: string, record: (r: CaseResult) => void): Promise<void> {
  let next = from;
  while (next < to) {
    const child = Bun.spawn(["bun", WORKER, String(options.seed), String(next), String(to), workDir, (options.only ?? []).join(",")], {
      stdout: "pipe",
      stderr: "pipe",
      env: { ...process.env, MLX_ASR_COMPILE: "0" },
    });
    const stderr = new Response(child.stderr).text();
    let running: { index: number; since: number } | null = null;
    let ready = false;
    const startedAt = Date.now();
    let killedFor: "hang" | "startup" | null = null;
    const watchdog = setInterval(() => {
      const now = Date.now();
      if (running && now - running.since > options.timeoutMs) killedFor = "hang";
      else if (!ready && now - startedAt > STARTUP_MS) killedFor = "startup";
      if (killedFor) child.kill("SIGKILL");
    }, 100);
    let ended = false;
    let buffered = "";
    for await (const chunk of child.stdout) {
      buffered += new TextDecoder().decode(chunk);
      let newline: number;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        const event = JSON.parse(buffered.slice(0, newline)) as WorkerEvent;
        buffered = buffered.slice(newline + 1);
        if (event.event === "ready") ready = true;
        else if (event.event === "start") running = { index: event.index, since: Date.now() };
        else if (event.event === "done") {
          running = null;
          record(event.result);
          next = event.result.index + 1;
        } else ended = true;
      }
    }
    const status = await child.exited;
    clearInterval(watchdog);
    if (ended && status === 0) break;
    const tail = (await stderr).trim().split("\n").slice(-3).join(" | ");
    if (killedFor === "startup" || !ready) throw new Error(`fuzz worker did not start (status ${status}): ${tail}`);
    const index = running?.index ?? next;
    const reason = killedFor === "hang" ? `hang (over ${options.timeoutMs} ms)` : `crash (exit ${status}${child.signalCode ? `, ${child.signalCode}` : ""})`;
    record(failed(index, options, reason, tail));
    next = index + 1;
  }
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzRun> {
  const started = performance.now();
  const workDir = mkdtempSync(join(tmpdir(), "mlx-asr-fuzz-"));
  const results: CaseResult[] = [];
  const record = (r: CaseResult) => {
    results.push(r);
    options.onResult?.(r);
  };
  try {
    const per = Math.ceil(options.cases / options.workers);
    const ranges = Array.from({ length: options.workers }, (_, w) => [w * per, Math.min(options.cases, (w + 1) * per)] as const).filter(([a, b]) => a < b);
    await Promise.all(ranges.map(([from, to]) => runRange(from, to, options, workDir, record)));
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  results.sort((a, b) => a.index - b.index);
  return { results, seconds: (performance.now() - started) / 1000 };
}
