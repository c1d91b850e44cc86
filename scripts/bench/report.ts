/**
 * Turning the children's raw figures into the report: the ratios that need the
 * machine's figures (decode roofline, prefill vs GEMM), the per-op profile; then
 * the human tables (ours; ours beside each peer) and the details.
 */
import type { PeerComparison, Pooled } from "./interleave";
import type { PeerId } from "./plan";
import type { MachineFigures, RowResult } from "./tasks";

const GB = 1e9;

function num(row: Readonly<Record<string, unknown>>, key: string): number {
  const v = row[key];
  return typeof v === "number" ? v : NaN;
}

/**
 * Adds `roofline_ms`/`roofline_ratio` to decode rows and `achieved_gflops`/`gemm_ratio` to prefill rows.
 * Decode rows also get the same ratio at the rate the engine's matrix × vector product streams
 * (`matvec_roofline_*`): the read bandwidth is the best of five column sums, above what a matvec streams.
 */
export function withMachineRatios(row: RowResult, machine: MachineFigures): RowResult {
  if (row.name === "decode") {
    const rooflineMs = (num(row, "bytes_per_token") / (machine.read_bandwidth_gb_s * GB)) * 1000;
    const matvecMs = (num(row, "bytes_per_token") / (machine.matvec_gb_s * GB)) * 1000;
    return {
      ...row,
      roofline_ms: rooflineMs,
      roofline_ratio: rooflineMs / num(row, "ms_per_token_median"),
      roofline_ratio_at_min: rooflineMs / num(row, "ms_per_token_min"),
      matvec_roofline_ms: matvecMs,
      matvec_roofline_ratio: matvecMs / num(row, "ms_per_token_median"),
    };
  }
  if (row.name === "prefill") {
    const achieved = num(row, "flops") / num(row, "median_s") / GB;
    return { ...row, achieved_gflops: achieved, gemm_ratio: achieved / machine.gemm_gflops };
  }
  return row;
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
        efficiency: `roofline ${fmt(num(row, "roofline_ratio"))} (${fmt(num(row, "roofline_ms"), 1)} ms; at the matvec rate ${fmt(num(row, "matvec_roofline_ratio"))}); RSS/(W+KV) ${fmt(num(row, "rss_ratio"))}`,
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
    case "first_token":
      return {
        median: fmtSeconds(num(row, "median_s")),
        min: fmtSeconds(num(row, "min_s")),
        rate: `${fmt(num(row, "clip_seconds"), 0)} s clip`,
        efficiency: `fe ${fmtSeconds(num(row, "frontend_s"))}, enc+ad ${fmtSeconds(num(row, "encoder_adaptor_s"))}, prefill (${num(row, "prefill_positions")} pos.) ${fmtSeconds(num(row, "prefill_s"))}`,
      };
    case "live": {
      const figures = (key: string) => (row[key] ?? {}) as { median?: number; worst?: number; worst_chunk?: number };
      const wall = figures("chunk_wall_ms");
      const cpu = figures("chunk_cpu_ms");
      const prefilled = figures("prefilled_positions");
      return {
        median: `${fmt(wall.median ?? NaN, 0)} ms/chunk`,
        min: `${fmt(num(row, "min_s") * 1000, 0)} ms/chunk`,
        rate: `RTF ${fmt(num(row, "rtf"))}${row.keeps_up ? " (keeps up)" : ""}`,
        efficiency:
          `worst ${fmt(wall.worst ?? NaN, 0)} ms (chunk ${wall.worst_chunk}); CPU ${fmt(cpu.median ?? NaN, 0)} / worst ${fmt(cpu.worst ?? NaN, 0)} ms; ` +
          `enc ${fmt(figures("chunk_encoder_ms").median ?? NaN, 0)}, prefill ${fmt(figures("chunk_prefill_ms").median ?? NaN, 0)} (${fmt(prefilled.median ?? NaN, 0)} pos., ` +
          `${fmt(figures("reused_positions").median ?? NaN, 0)} reused), decode ${fmt(figures("chunk_decode_ms").median ?? NaN, 0)} ms (${fmt(figures("tokens_per_chunk").median ?? NaN, 0)} tok)`,
      };
    }
    default:
      return { median: fmtSeconds(num(row, "median_s")), min: fmtSeconds(num(row, "min_s")), rate: `RTF ${fmt(num(row, "rtf"), 4)}`, efficiency: "" };
  }
}

export function formatTable(rows: readonly RowResult[]): string {
  const header = ["row", "model", "weights", "median", "min", "rate", "efficiency", "peak RSS"];
  const lines = rows.map((row) => {
    if (typeof row.skipped === "string") return [row.name, row.model, row.weights, "skipped", "", String(row.skipped), "", ""];
    if (typeof row.error === "string") return [row.name, row.model, row.weights, "failed", "", String(row.error), "", ""];
    const c = cellsOf(row);
    return [row.name, row.model, row.weights, c.median, c.min, c.rate, c.efficiency, fmtGb(num(row, "peak_rss_bytes"))];
  });
  return renderTable(header, lines);
}

function renderTable(header: string[], lines: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const render = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [render(header), render(widths.map((w) => "-".repeat(w))), ...lines.map(render)].join("\n");
}

const fmtTime = (row: RowResult, value: number) => (row.name === "decode" ? `${fmt(value, 1)} ms/tok` : fmtSeconds(value));

function roundsOf(row: RowResult, values: readonly number[]): string {
  return values.length > 1 ? ` (${values.map((v) => (row.name === "decode" ? fmt(v, 0) : fmt(v, v >= 10 ? 1 : 2))).join(" / ")})` : "";
}

/** Our time as compared with the peers (end to end: without the front end), each round's in brackets. */
function oursCell(row: RowResult): string {
  if (typeof row.skipped === "string") return "not yet";
  if (typeof row.error === "string") return "failed";
  const compared = row.compared as Pooled | undefined;
  return compared ? `${fmtTime(row, compared.median)}${roundsOf(row, compared.round_medians)}` : "-";
}

/**
 * Ours beside each peer: the pooled medians (each round's median in brackets)
 * and our median ÷ the peer's (each round's ratio in brackets); below 1 we are faster.
 */
export function formatPeerTable(rows: readonly RowResult[], peerIds: readonly PeerId[]): string {
  const withPeers = rows.filter((r) => r.peers);
  const labels = new Map<PeerId, string>();
  for (const row of withPeers) {
    for (const id of peerIds) {
      const c = (row.peers as Record<string, { label?: string }>)[id];
      if (c?.label) labels.set(id, c.label);
    }
  }
  const ids = peerIds.filter((id) => labels.has(id));
  const header = ["row", "model", "ours (rounds)", ...ids.flatMap((id) => [labels.get(id)!, "ours ÷ it (rounds)"])];
  const lines = withPeers.map((row) => {
    const cells = ids.flatMap((id) => {
      const c = (row.peers as Record<string, PeerComparison & { error?: string }>)[id];
      if (!c) return ["", ""];
      if (c.error) return ["failed", ""];
      const ratio = Number.isFinite(c.ratio) ? `${fmt(c.ratio)}${c.round_ratios.length > 1 ? ` (${c.round_ratios.map((r) => fmt(r)).join(" / ")})` : ""}` : "-";
      return [`${fmtTime(row, c.median)}${roundsOf(row, c.round_medians)}`, ratio];
    });
    return [row.name, row.model, oursCell(row), ...cells];
  });
  return renderTable(header, lines);
}

export const PEER_NOTE =
  "peer table: medians over both rounds of each side (each round's median in brackets); ours ÷ it below 1 means we are faster. " +
  "Peers start from features, so our end-to-end time there excludes our front end. transformers rows use its own classes " +
  "(Qwen3ForCausalLM + DynamicCache; FunAsrNanoEncoder as the SenseVoice encoder; Qwen3ASR/GlmAsr/FunAsrNano…ForConditionalGeneration).";

const loads = (v: unknown) => (Array.isArray(v) ? v.map((x: number) => x.toFixed(2)).join(", ") : "?");

export function formatMachine(machine: Readonly<Record<string, unknown>>): string {
  return [
    `machine: ${machine.cpu}, ${machine.cores} cores, ${fmt(num(machine, "ram_gb"), 1)} GB RAM, backend ${machine.backend}, BLAS ${machine.blas ?? "?"}, C heap ${machine.native_heap ?? "?"}, commit ${machine.commit}, ${machine.date}`,
    `  read bandwidth ${fmt(num(machine, "read_bandwidth_gb_s"), 1)} GB/s (one stream ${fmt(num(machine, "read_bandwidth_one_stream_gb_s"), 1)}, two streams ${fmt(num(machine, "read_bandwidth_two_streams_gb_s"), 1)}; ${machine.read_bandwidth_method})`,
    `  float32 matvec at Qwen3-4B's gate_proj shape (rows split across the streams) streams ${fmt(num(machine, "matvec_gb_s"), 1)} GB/s; float32 GEMM ${fmt(num(machine, "gemm_gflops"), 0)} GFLOP/s (${machine.gemm_shape})` +
      (Number.isFinite(num(machine, "peer_gemm_gflops")) ? `; PyTorch's own GEMM ${fmt(num(machine, "peer_gemm_gflops"), 0)} GFLOP/s at that shape` : ""),
    `  load average (1, 5, 15 min) at start ${loads(machine.load_average_at_start)}, at end ${loads(machine.load_average_at_end)} on ${machine.cores} cores (the machine is shared)`,
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
    for (const [id, c] of Object.entries((row.peers ?? {}) as Record<string, Partial<PeerComparison> & { error?: string }>)) {
      const check = c.row?.check;
      if (check) out.push(`cross-check ${id} (${label}): ${JSON.stringify(check)}`);
      if (typeof c.error === "string") out.push(`peer ${id} failed (${label}): ${c.error}`);
      if (c.row?.name === "end_to_end") {
        const r = c.row;
        out.push(
          `${id} end to end (${row.model}): enc+ad ${fmtSeconds(num(r, "encoder_adaptor_s"))}, prefill (${num(r, "prefill_positions")} pos.) ${fmtSeconds(num(r, "prefill_s"))}, ` +
            `decode ${fmt(num(r, "decode_ms_per_token"), 0)} ms/tok; ${r.classes ?? "our lean loops"}`,
        );
      }
      if (c.row?.name === "first_token") {
        const r = c.row;
        out.push(`${id} first token (${row.model}): enc+ad ${fmtSeconds(num(r, "encoder_adaptor_s"))}, prefill (${num(r, "prefill_positions")} pos.) ${fmtSeconds(num(r, "prefill_s"))}; ${r.classes}`);
      }
    }
    if (typeof row.skipped === "string" && !row.peers) out.push(`skipped (${label}): ${row.skipped}`);
    const split = row.split as Record<string, number> | undefined;
    if (split) {
      out.push(
        `decode split (${label}), per step without overlap: graph build ${fmt(split.graph_build_ms!)} ms, mx.eval ${fmt(split.eval_ms!, 1)} ms, ` +
          `token readback ${fmt(split.readback_ms!, 3)} ms; memory release ${fmt(split.release_memory_ms!, 1)} ms a call (young ${fmt(split.release_young_ms!, 1)}, full ${fmt(split.release_full_ms!, 1)}; every 8 steps, one in 16 full); ` +
          `the loop with releaseEvery 1: ${fmt(num(row, "ms_per_token_release_every_step"), 1)} ms/token (one run); ` +
          `CPU time (user+sys, all threads) ${fmt(num(row, "cpu_ms_per_token_median"), 1)} ms/token (median of the timed runs)`,
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
