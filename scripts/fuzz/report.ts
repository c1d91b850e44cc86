/** The fuzz run's summary: per-parser counts, the commonest error codes, and each failure with the command that replays it. */
import type { CaseResult } from "./run-case";
import { TARGET_NAMES } from "./target-names";

export interface TargetSummary {
  readonly target: string;
  readonly cases: number;
  readonly ok: number;
  readonly typed: number;
  readonly failures: number;
  readonly codes: Map<string, number>;
}

export function summarize(results: readonly CaseResult[]): TargetSummary[] {
  return TARGET_NAMES.map((target) => {
    const mine = results.filter((r) => r.target === target);
    const codes = new Map<string, number>();
    for (const r of mine) if (r.outcome.kind === "typed") codes.set(r.outcome.code, (codes.get(r.outcome.code) ?? 0) + 1);
    return {
      target,
      cases: mine.length,
      ok: mine.filter((r) => r.outcome.kind === "ok").length,
      typed: mine.filter((r) => r.outcome.kind === "typed").length,
      failures: mine.filter((r) => r.outcome.kind === "failure").length,
      codes,
    };
  }).filter((s) => s.cases > 0);
}

export function formatReport(results: readonly CaseResult[], seconds: number, seed: number): string {
  const lines = [`fuzz: ${results.length} cases, seed ${seed}, ${seconds.toFixed(1)} s`];
  const width = Math.max(...TARGET_NAMES.map((t) => t.length));
  for (const s of summarize(results)) {
    const top = [...s.codes].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([c, n]) => `${c} ${n}`).join(", ");
    lines.push(`  ${s.target.padEnd(width)}  ${String(s.cases).padStart(6)} cases  ${String(s.ok).padStart(5)} ok  ${String(s.typed).padStart(5)} typed errors  ${String(s.failures).padStart(3)} failures${top ? `   (${top})` : ""}`);
  }
  const failures = results.filter((r) => r.outcome.kind === "failure");
  for (const f of failures) {
    const o = f.outcome as { reason: string; detail: string };
    lines.push(`FAIL case ${f.index} [${f.target}] seed input ${f.seed}, ${f.steps.join("; ") || "?"}: ${o.reason}: ${o.detail}`);
    lines.push(`     replay: bun run fuzz --seed ${seed} --case ${f.index}`);
  }
  lines.push(failures.length === 0 ? "fuzz: no failures" : `fuzz: ${failures.length} failures`);
  return lines.join("\n");
}
