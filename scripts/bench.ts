/**
 * The benchmark: front end, encoder + adaptor, decoder prefill and decode (float32,
 * INT8, INT4) and end-to-end, on random weights at the released networks' real
 * shapes (generated into a temporary folder, deleted at the end). Every row runs
 * in its own child process, one after the other, so rows never share memory and
 * each has its own peak RSS. With --peer, the same rows run in PyTorch on the
 * same weight files. Reports; asserts nothing.
 *
 *   bun run bench [--json <file>] [--only <row>] [--peer] [--small] [--runs N] [--tokens N] [--profile]
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { activeBlas } from "../src/engine/blas";
import { isGenerated } from "./bench/generate";
import { parseOptions, type BenchOptions } from "./bench/options";
import { planRows, type PlannedRow } from "./bench/plan";
import { peerStatus, runOurs, runPeer, type Outcome, type PeerStatus } from "./bench/processes";
import { formatDetails, formatMachine, formatTable, withMachineRatios, withPeer, withPeerFailure, withProfile } from "./bench/report";
import type { BenchTask, MachineFigures, RowResult, RunSettings } from "./bench/tasks";

const DEFAULT_RUNS = 3;
const DEFAULT_RUNS_SMALL = 2;

function parseOrExit(): BenchOptions {
  try {
    return parseOptions(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
}

function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}

function commit(): string {
  const git = spawnSync("git", ["describe", "--always", "--dirty", "--abbrev=12"], { cwd: import.meta.dir, encoding: "utf8" });
  return git.status === 0 ? git.stdout.trim() : "unknown";
}

function availableMemoryBytes(): number | null {
  try {
    const line = readFileSync("/proc/meminfo", "utf8").split("\n").find((l) => l.startsWith("MemAvailable:"));
    return line ? Number(line.replace(/[^0-9]/g, "")) * 1024 : null;
  } catch {
    return null;
  }
}

/** The models whose cross-check a row's peer can do. */
function checkKeys(row: PlannedRow): string[] {
  if (row.name === "encoder_adaptor") return ["encoder_adaptor"];
  if (row.name === "end_to_end") return ["encoder_adaptor", "qwen3-4b"];
  return [row.model];
}

/** One progress line; `ratios` adds the figures only our rows have. */
function describe(row: RowResult, ratios = true): string {
  if (typeof row.error === "string") return `failed: ${row.error}`;
  const f = (k: string, d = 3) => (typeof row[k] === "number" ? (row[k] as number).toFixed(d) : "?");
  if (row.name === "decode") return `${f("ms_per_token_median", 1)} ms/token${ratios ? `, roofline ratio ${f("roofline_ratio", 2)}` : ""}`;
  if (row.name === "prefill") return `${f("median_s")} s, ${f("tokens_per_s", 0)} tokens/s${ratios ? `, GEMM ratio ${f("gemm_ratio", 2)}` : ""}`;
  return `${f("median_s")} s`;
}

const options = parseOrExit();
const root = mkdtempSync(join(tmpdir(), "mlx-asr-bench-"));
const settings: RunSettings = {
  weightsDir: options.weightsDir ? resolve(options.weightsDir) : join(root, "weights"),
  small: options.small,
  runs: options.runs ?? (options.small ? DEFAULT_RUNS_SMALL : DEFAULT_RUNS),
  checkDir: join(root, "checks"),
};
mkdirSync(settings.checkDir, { recursive: true });
process.on("SIGINT", () => {
  rmSync(root, { recursive: true, force: true });
  process.exit(130);
});
let resultCount = 0;
const request = (task: BenchTask) => ({ task, settings, resultFile: join(root, `result-${resultCount++}.json`) });

function runRow(planned: PlannedRow, machine: MachineFigures, peer: PeerStatus | null, checked: Set<string>): RowResult {
  for (const component of planned.needs) {
    if (isGenerated(settings.weightsDir, component)) continue;
    progress(`  generating random weights: ${component}`);
    const generated = runOurs(request({ kind: "generate", component }));
    if (!generated.ok) throw new Error(`could not generate ${component}: ${generated.error}`);
  }
  const available = availableMemoryBytes();
  progress(`${planned.name} ${planned.model} ${planned.weights}${available ? ` (${(available / 1e9).toFixed(1)} GB available)` : ""}`);
  const t0 = performance.now();
  const ours = runOurs(request(planned.task));
  let row: RowResult = ours.ok && ours.result.kind === "row"
    ? withMachineRatios(ours.result.row, machine)
    : { name: planned.name, model: planned.model, weights: planned.weights, error: ours.ok ? "no row returned" : ours.error };
  progress(`  → ${describe(row)} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  if (planned.profile && ours.ok) {
    const profiled = runOurs(request(planned.profile));
    if (profiled.ok && profiled.result.kind === "row") row = withProfile(row, profiled.result.row);
    else progress(`  profile failed: ${profiled.ok ? "no row" : profiled.error}`);
  }
  if (peer?.available && planned.hasPeer) {
    const keys = checkKeys(planned);
    const check = keys.some((k) => !checked.has(k));
    progress(`  peer (PyTorch)${check ? " + cross-check" : ""}`);
    const t1 = performance.now();
    const peerOutcome: Outcome = runPeer({ ...request(planned.task), check, threads: peer.threads });
    if (peerOutcome.ok && peerOutcome.result.kind === "row") {
      row = withPeer(row, peerOutcome.result.row);
      if (check) keys.forEach((k) => checked.add(k));
      const ratio = typeof row.peer_time_ratio === "number" ? `, ours/peer ${row.peer_time_ratio.toFixed(2)}` : "";
      progress(`  → peer ${describe(peerOutcome.result.row, false)}${ratio} (${((performance.now() - t1) / 1000).toFixed(0)} s)`);
    } else {
      row = withPeerFailure(row, peerOutcome.ok ? "no row returned" : peerOutcome.error);
    }
  }
  return row;
}

try {
  const peer = options.peer ? peerStatus() : null;
  if (peer) progress(peer.available ? `peer: ${peer.note}` : peer.note);
  progress(`machine: measuring read bandwidth and GEMM rate`);
  const measured = runOurs(request({ kind: "machine" }));
  if (!measured.ok || measured.result.kind !== "machine") throw new Error(`machine measurement failed: ${measured.ok ? "no figures" : measured.error}`);
  const machine = {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    ram_gb: totalmem() / 1e9,
    backend: measured.result.backend,
    blas: activeBlas(),
    date: new Date().toISOString(),
    commit: commit(),
    bench_mode: options.small ? "small (layers and vocabulary cut)" : "full (released shapes)",
    runs_per_row: settings.runs,
    peer: peer ? peer.note : "not requested",
    ...measured.result.machine,
  };
  progress(`  → read ${machine.read_bandwidth_gb_s.toFixed(1)} GB/s, GEMM ${machine.gemm_gflops.toFixed(0)} GFLOP/s`);

  const checked = new Set<string>();
  const results = planRows(options).map((planned) => runRow(planned, machine, peer, checked));
  const peaks = results.map((r) => (typeof r.peak_rss_bytes === "number" ? r.peak_rss_bytes : 0));
  const document = { machine, results, peak_rss_bytes: Math.max(0, ...peaks) };

  console.log("");
  console.log(formatMachine(machine));
  console.log("");
  console.log(formatTable(results, Boolean(peer?.available)));
  const details = formatDetails(results);
  if (details) console.log(`\n${details}`);
  console.log(
    [
      "",
      `notes: median and min of ${settings.runs} runs after a warm-up. decode: the KV cache starts pre-filled with 512 random positions, then the real`,
      `decodeTokens loop runs (greedy, no stop ids); tokens per run: ${[...new Set(results.filter((r) => r.name === "decode").map((r) => `${r.model} ${r.weights} ${r.tokens}`))].join(", ") || "-"}`,
      `(the quantized kernels are slow on the CPU, so the quantized 4B rows time fewer tokens). roofline = bytes read per token ÷ read bandwidth;`,
      `roofline ratio = roofline ms ÷ median ms. prefill GEMM ratio = achieved FLOP/s (attention counted as the full L×L products) ÷ measured GEMM rate.`,
      peer?.available ? `peer: ${peer.note}; its end_to_end has no front end (torchaudio is absent), so ours/peer there uses our time minus our front end.` : (peer?.note ?? ""),
    ].join("\n"),
  );
  if (options.json) {
    writeFileSync(options.json, `${JSON.stringify(document, null, 2)}\n`);
    progress(`wrote ${options.json}`);
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
