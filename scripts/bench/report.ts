/**
 * Turning the children's raw figures into the report: the ratios that need the
 * machine's figures (decode roofline, prefill vs GEMM), the peer's figures and
 * our-time ÷ peer-time, the per-op profile; then the human table and the JSON.
 */
import type { MachineFigures, RowResult } from "./tasks";

const GB = 1e9;

function num(row: Readonly<Record<string, unknown>>, key: string): number {
  const v = row[key];
  return typeof v === "number" ? v : NaN;
}

/** Adds `roofline_ms`/`roofline_ratio` to decode rows and `achieved_gflops`/`gemm_ratio` to prefill rows. */
export function withMachineRatios(row: RowResult, machine: MachineFigures): RowResult {
  if (row.name === "decode") {
    const rooflineMs = (num(row, "bytes_per_token") / (machine.read_bandwidth_gb_s * GB)) * 1000;
    return {
      ...row,
      roofline_ms: rooflineMs,
      roofline_ratio: rooflineMs / num(row, "ms_per_token_median"),
      roofline_ratio_at_min: rooflineMs / num(row, "ms_per_token_min"),
    };
  }
  if (row.name === "prefill") {
    const achieved = num(row, "flops") / num(row, "median_s") / GB;
    return { ...row, achieved_gflops: achieved, gemm_ratio: achieved / machine.gemm_gflops };
  }
  return row;
}

/** Our time for the span the peer measured (the peer's end-to-end has no front end: torchaudio is absent). */
function comparableTime(row: RowResult): number {
  if (row.name === "decode") return num(row, "ms_per_token_median");
  if (row.name === "end_to_end") return num(row, "median_s") - num(row, "frontend_s");
  return num(row, "median_s");
}

export function withPeer(row: RowResult, peer: RowResult): RowResult {
  const { name: _n, model: _m, weights: _w, ...figures } = peer;
  const peerTime = row.name === "decode" ? num(peer, "ms_per_token_median") : num(peer, "median_s");
  const ratio = comparableTime(row) / peerTime;
  return Number.isFinite(ratio) ? { ...row, peer: figures, peer_time_ratio: ratio } : { ...row, peer: figures };
}

export function withPeerFailure(row: RowResult, error: string): RowResult {
  return { ...row, peer: { error } };
}

export function withProfile(row: RowResult, profile: RowResult): RowResult {
  const split = row.split as { eval_ms?: number } | undefined;
  const sum = num(profile, "ops_sum_ms");
  return {
    ...row,
    profile: {
      ops: profile.ops,
      ops_sum_ms: sum,
      unfused_projections: profile.unfused_projections,
      step_eval_ms: split?.eval_ms,
      kv_cache_update_views_released_ms: profile.kv_cache_update_views_released_ms,
      peak_rss_bytes: profile.peak_rss_bytes,
    },
  };
}

const fmtSeconds = (s: number) => (s >= 100 ? `${s.toFixed(0)} s` : s >= 10 ? `${s.toFixed(1)} s` : s >= 1 ? `${s.toFixed(2)} s` : `${(s * 1000).toFixed(0)} ms`);
const fmtGb = (bytes: number) => (Number.isFinite(bytes) ? `${(bytes / GB).toFixed(2)} GB` : "-");
const fmt = (v: number, digits = 2) => (Number.isFinite(v) ? v.toFixed(digits) : "-");

interface Cells {
  readonly median: string;
  readonly min: string;
  readonly rate: string;
  readonly efficiency: string;
}

function cellsOf(row: RowResult): Cells {
  switch (row.name) {
    case "decode":
      return {
        median: `${fmt(num(row, "ms_per_token_median"), 1)} ms/tok`,
        min: `${fmt(num(row, "ms_per_token_min"), 1)} ms/tok`,
        rate: `${fmt(num(row, "tokens_per_s"))} tok/s`,
        efficiency: `roofline ${fmt(num(row, "roofline_ratio"))} (${fmt(num(row, "roofline_ms"), 1)} ms); RSS/(W+KV) ${fmt(num(row, "rss_ratio"))}`,
      };
    case "prefill":
      return {
        median: fmtSeconds(num(row, "median_s")),
        min: fmtSeconds(num(row, "min_s")),
        rate: `${fmt(num(row, "tokens_per_s"), 0)} tok/s, ${fmt(num(row, "achieved_gflops"), 0)} GFLOP/s`,
        efficiency: `GEMM ratio ${fmt(num(row, "gemm_ratio"))}; RSS/(W+KV) ${fmt(num(row, "rss_ratio"))}`,
      };
    case "end_to_end":
      return {
        median: fmtSeconds(num(row, "median_s")),
        min: fmtSeconds(num(row, "min_s")),
        rate: `RTF ${fmt(num(row, "rtf"), 3)}`,
        efficiency: `fe ${fmtSeconds(num(row, "frontend_s"))}, enc+ad ${fmtSeconds(num(row, "encoder_adaptor_s"))}, prefill ${fmtSeconds(num(row, "prefill_s"))}, decode ${fmt(num(row, "decode_ms_per_token"), 0)} ms/tok`,
      };
    default:
      return { median: fmtSeconds(num(row, "median_s")), min: fmtSeconds(num(row, "min_s")), rate: `RTF ${fmt(num(row, "rtf"), 4)}`, efficiency: "" };
  }
}

function peerCells(row: RowResult): [string, string] {
  const peer = row.peer as Record<string, unknown> | undefined;
  if (!peer) return ["", ""];
  if (typeof peer.error === "string") return ["failed", ""];
  const time = row.name === "decode" ? `${fmt(num(peer, "ms_per_token_median"), 1)} ms/tok` : fmtSeconds(num(peer, "median_s"));
  return [time, Number.isFinite(num(row, "peer_time_ratio")) ? fmt(num(row, "peer_time_ratio")) : "-"];
}

export function formatTable(rows: readonly RowResult[], withPeerColumns: boolean): string {
  const header = ["row", "model", "weights", "median", "min", "rate", "efficiency", "peak RSS", ...(withPeerColumns ? ["peer median", "ours/peer"] : [])];
  const lines = rows.map((row) => {
    if (typeof row.error === "string") return [row.name, row.model, row.weights, "failed", "", String(row.error), "", "", ...(withPeerColumns ? peerCells(row) : [])];
    const c = cellsOf(row);
    return [row.name, row.model, row.weights, c.median, c.min, c.rate, c.efficiency, fmtGb(num(row, "peak_rss_bytes")), ...(withPeerColumns ? peerCells(row) : [])];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const render = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [render(header), render(widths.map((w) => "-".repeat(w))), ...lines.map(render)].join("\n");
}

export function formatMachine(machine: Readonly<Record<string, unknown>>): string {
  return [
    `machine: ${machine.cpu}, ${machine.cores} cores, ${fmt(num(machine, "ram_gb"), 1)} GB RAM, backend ${machine.backend}, BLAS ${machine.blas ?? "?"}, commit ${machine.commit}, ${machine.date}`,
    `  read bandwidth ${fmt(num(machine, "read_bandwidth_gb_s"), 1)} GB/s (one stream ${fmt(num(machine, "read_bandwidth_one_stream_gb_s"), 1)}, two streams ${fmt(num(machine, "read_bandwidth_two_streams_gb_s"), 1)}; ${machine.read_bandwidth_method})`,
    `  float32 matvec at Qwen3-4B's gate_proj shape streams ${fmt(num(machine, "matvec_gb_s"), 1)} GB/s; float32 GEMM ${fmt(num(machine, "gemm_gflops"), 0)} GFLOP/s (${machine.gemm_shape})`,
  ].join("\n");
}

interface OpFigures {
  readonly ms: number;
  readonly gb_s?: number;
}

function describeOps(ops: Record<string, OpFigures>): string[] {
  return Object.entries(ops)
    .sort((a, b) => b[1].ms - a[1].ms)
    .map(([name, o]) => `${name} ${fmt(o.ms, 2)} ms${o.gb_s ? ` (${fmt(o.gb_s, 1)} GB/s)` : ""}`);
}

export function formatDetails(rows: readonly RowResult[]): string {
  const out: string[] = [];
  for (const row of rows) {
    const label = `${row.name} ${row.model} ${row.weights}`;
    const peer = row.peer as Record<string, unknown> | undefined;
    const check = peer?.check as Record<string, unknown> | undefined;
    if (check) out.push(`cross-check (${label}): ${JSON.stringify(check)}`);
    if (typeof peer?.error === "string") out.push(`peer failed (${label}): ${peer.error}`);
    const split = row.split as Record<string, number> | undefined;
    if (split) {
      out.push(
        `decode split (${label}), per step without overlap: graph build ${fmt(split.graph_build_ms!)} ms, mx.eval ${fmt(split.eval_ms!, 1)} ms, ` +
          `token readback ${fmt(split.readback_ms!, 3)} ms; one releaseMemory() ${fmt(split.release_memory_ms!, 1)} ms (the loop calls it every 8 steps); ` +
          `the loop with releaseEvery 1: ${fmt(num(row, "ms_per_token_release_every_step"), 1)} ms/token (one run)`,
      );
    }
    const profile = row.profile as
      | {
          ops?: Record<string, OpFigures>;
          unfused_projections?: Record<string, OpFigures>;
          ops_sum_ms?: number;
          step_eval_ms?: number;
          kv_cache_update_views_released_ms?: number;
        }
      | undefined;
    if (profile?.ops) {
      const ops = describeOps(profile.ops);
      out.push(
        `decode ops (${label}), all layers per step: ${ops.join(", ")}; sum ${fmt(profile.ops_sum_ms ?? NaN, 1)} ms vs step eval ${fmt(profile.step_eval_ms ?? NaN, 1)} ms; ` +
          `kv_cache_update is ${fmt(profile.kv_cache_update_views_released_ms ?? NaN, 2)} ms once the previous step's views are collected`,
      );
      if (profile.unfused_projections) out.push(`  the fused groups' members alone: ${describeOps(profile.unfused_projections).join(", ")}`);
    }
  }
  return out.join("\n");
}
