/** Timing (warm-up, then several runs → median and min) and the process's memory figures. */
import { readFileSync } from "node:fs";
import { releaseMemory } from "../../src/runtime";

export interface Stats {
  readonly median: number;
  readonly min: number;
  readonly samples: readonly number[];
}

export function statsOf(samples: readonly number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, samples };
}

/**
 * Runs `warmUp` once, then `run` `runs` times with memory released before each;
 * `run` returns the figure it measured (seconds, ms per token, …).
 */
export async function measure(runs: number, warmUp: () => Promise<unknown> | unknown, run: () => Promise<number> | number): Promise<Stats> {
  await warmUp();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    await releaseMemory();
    samples.push(await run());
  }
  await releaseMemory();
  return statsOf(samples);
}

/** Seconds a synchronous or async function takes. */
export async function seconds(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

function statusField(field: "VmHWM" | "VmRSS"): number | null {
  try {
    const line = readFileSync("/proc/self/status", "utf8").split("\n").find((l) => l.startsWith(`${field}:`));
    const kb = line ? Number(line.replace(/[^0-9]/g, "")) : NaN;
    return Number.isFinite(kb) ? kb * 1024 : null;
  } catch {
    return null;
  }
}

/** The most resident memory this process has had, in bytes. */
export function peakRssBytes(): number {
  return statusField("VmHWM") ?? process.resourceUsage().maxRSS * 1024;
}

export function currentRssBytes(): number {
  return statusField("VmRSS") ?? process.memoryUsage().rss;
}

export function log(message: string): void {
  process.stderr.write(`  ${message}\n`);
}
