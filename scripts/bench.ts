/**
 * The benchmark: front end, encoder + adaptor, decoder prefill and decode (float32,
 * INT8, INT4), end-to-end and time to first token per family, and Qwen3-ASR's live
 * mode per chunk, on random weights at the released networks' real shapes
 * (generated into a temporary folder, deleted at the end). Every row runs in its
 * own child process, one after the other, so rows never share memory and each has
 * its own peak RSS. With --peer, each row's peers — transformers' own
 * model classes and our lean loops, on PyTorch 2.13 — run the same task on the
 * same weight files, interleaved with ours, each pair twice. Reports; asserts nothing.
 *
 *   bun run bench [--json <file>] [--only <row>] [--peer] [--small] [--runs N] [--tokens N] [--profile]
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { activeBlas } from "../src/engine/blas";
import { nativeHeapPolicy } from "../src/engine/native-heap";
import { isGenerated } from "./bench/generate";
import { comparePeer, pool, pooledRow, ROUNDS_WITH_PEERS } from "./bench/interleave";
import { isPeerMade } from "./bench/models";
import { parseOptions, type BenchOptions } from "./bench/options";
import { planRows, type PlannedRow } from "./bench/plan";
import { findPeers, Interrupted, runOurs, runPeer, type Outcome, type Peer } from "./bench/processes";
import { formatDetails, formatMachine, formatPeerTable, formatTable, PEER_NOTE, withMachineRatios, withProfile } from "./bench/report";
import type { BenchTask, MachineFigures, RowResult, RunSettings } from "./bench/tasks";

const DEFAULT_RUNS = 3;
const DEFAULT_RUNS_SMALL_OR_PEER = 2;

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
  if (row.name === "first_token" || row.name === "live") return [];
  if (row.name === "end_to_end") {
    if (row.model === "funasr-qwen4b") return ["encoder_adaptor", "qwen3-4b"];
    if (row.model === "fun-asr-nano") return ["fun-asr-nano-audio", "qwen3-0.6b"];
    return [];
  }
  return [row.model];
}

/** One progress line; `ratios` adds the figures only our rows have. */
function describe(row: RowResult, ratios = true): string {
  if (typeof row.error === "string") return `failed: ${row.error}`;
  const f = (k: string, d = 3) => (typeof row[k] === "number" ? (row[k] as number).toFixed(d) : "?");
  if (row.name === "decode") return `${f("ms_per_token_median", 1)} ms/token${ratios ? `, roofline ratio ${f("roofline_ratio", 2)}` : ""}`;
  if (row.name === "prefill") return `${f("median_s")} s, ${f("tokens_per_s", 0)} tokens/s${ratios ? `, GEMM ratio ${f("gemm_ratio", 2)}` : ""}`;
  if (row.name === "live") return `${f("median_s")} s per chunk (median of ${row.chunks}), RTF ${f("rtf", 2)}`;
  return `${f("median_s")} s`;
}

const options = parseOrExit();
const root = mkdtempSync(join(tmpdir(), "mlx-asr-bench-"));
const defaultRuns = options.peer || options.small ? DEFAULT_RUNS_SMALL_OR_PEER : DEFAULT_RUNS;
const settings: RunSettings = {
  weightsDir: options.weightsDir ? resolve(options.weightsDir) : join(root, "weights"),
  small: options.small,
  runs: options.runs ?? defaultRuns,
  checkDir: join(root, "checks"),
};
mkdirSync(settings.checkDir, { recursive: true });
process.on("SIGINT", () => {
  rmSync(root, { recursive: true, force: true });
  process.exit(130);
});
let resultCount = 0;
const request = (task: BenchTask) => ({ task, settings, resultFile: join(root, `result-${resultCount++}.json`) });

/** Writes the weights a row needs that are not there yet; a reason when they cannot be made here. */
function generateNeeds(planned: PlannedRow, transformers: Peer | undefined): string | null {
  for (const component of planned.needs) {
    if (isGenerated(settings.weightsDir, component)) continue;
    if (isPeerMade(component)) {
      if (!transformers) return `its random weights are written by the transformers peer, which is not available`;
      progress(`  generating random weights with transformers: ${component}`);
      const generated = runPeer(transformers, request({ kind: "generate", component }), false);
      if (!generated.ok) return `the transformers peer could not write ${component}: ${generated.error}`;
      continue;
    }
    progress(`  generating random weights: ${component}`);
    const generated = runOurs(request({ kind: "generate", component }));
    if (!generated.ok) return `could not write the random weights of ${component}: ${generated.error}`;
  }
  return null;
}

interface SideRuns {
  readonly rows: RowResult[];
  readonly loads: number[];
  error?: string;
}

/**
 * Runs a row: our side and each of its peers, alternating, twice when there is
 * someone to compare with (once otherwise), each run in a process of its own.
 */
function runRow(planned: PlannedRow, machine: MachineFigures, peers: readonly Peer[], checked: Set<string>): RowResult {
  const label = { name: planned.name, model: planned.model, weights: planned.weights };
  const transformers = peers.find((p) => p.id === "transformers");
  const rowPeers = peers.filter((p) => planned.peers.includes(p.id));
  const runsOurs = planned.oursSkipped === null;
  if (!runsOurs && !rowPeers.length) {
    progress(`${planned.name} ${planned.model}: skipped (ours: ${planned.oursSkipped}; no peer)`);
    return { ...label, skipped: `ours: ${planned.oursSkipped}` };
  }
  const cannot = generateNeeds(planned, transformers);
  if (cannot) {
    progress(`${planned.name} ${planned.model}: skipped (${cannot})`);
    return { ...label, skipped: cannot };
  }
  const available = availableMemoryBytes();
  progress(`${planned.name} ${planned.model} ${planned.weights}${available ? ` (${(available / 1e9).toFixed(1)} GB available)` : ""}`);
  if (!runsOurs) progress(`  ours skipped: ${planned.oursSkipped}`);
  const sides = new Map<string, SideRuns>();
  const sideOf = (id: string) => sides.get(id) ?? sides.set(id, { rows: [], loads: [] }).get(id)!;
  const contenders = (runsOurs ? 1 : 0) + rowPeers.length;
  const rounds = contenders > 1 ? ROUNDS_WITH_PEERS : 1;
  for (let round = 0; round < rounds; round++) {
    const tag = rounds > 1 ? ` [round ${round + 1}/${rounds}]` : "";
    if (runsOurs && !sideOf("ours").error) {
      const side = sideOf("ours");
      side.loads.push(loadavg()[0]!);
      const t0 = performance.now();
      const ours = runOurs(request(planned.task));
      if (ours.ok && ours.result.kind === "row") side.rows.push(ours.result.row);
      else side.error = ours.ok ? "no row returned" : ours.error;
      const shown = side.error ? `failed: ${side.error}` : describe(withMachineRatios(side.rows.at(-1)!, machine));
      progress(`  ours${tag} → ${shown} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
    for (const peer of rowPeers) {
      const side = sideOf(peer.id);
      if (side.error) continue;
      const keys = checkKeys(planned).map((k) => `${peer.id}:${k}`);
      const check = keys.some((k) => !checked.has(k));
      side.loads.push(loadavg()[0]!);
      const t0 = performance.now();
      const outcome: Outcome = runPeer(peer, request(planned.task), check);
      if (outcome.ok && outcome.result.kind === "row") {
        side.rows.push(outcome.result.row);
        if (check) keys.forEach((k) => checked.add(k));
        progress(`  ${peer.label}${tag} → ${describe(outcome.result.row, false)} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
      } else {
        side.error = outcome.ok ? "no row returned" : outcome.error;
        progress(`  ${peer.label}${tag} → failed: ${side.error}`);
      }
    }
  }
  const ours = sides.get("ours");
  let row: RowResult = !runsOurs
    ? { ...label, skipped: `ours: ${planned.oursSkipped}` }
    : ours?.rows.length
      ? withMachineRatios(pooledRow(ours.rows), machine)
      : { ...label, error: ours?.error ?? "no row returned" };
  if (ours?.error && ours.rows.length) row = { ...row, error_in_a_later_round: ours.error };
  if (planned.profile && ours?.rows.length) {
    const profiled = runOurs(request(planned.profile));
    if (profiled.ok && profiled.result.kind === "row") row = withProfile(row, profiled.result.row);
    else progress(`  profile failed: ${profiled.ok ? "no row" : profiled.error}`);
  }
  const comparisons: Record<string, unknown> = {};
  for (const peer of rowPeers) {
    const side = sides.get(peer.id)!;
    comparisons[peer.id] = side.rows.length ? comparePeer(peer.label, ours?.rows ?? [], side.rows) : { label: peer.label, error: side.error };
  }
  const loads = [...sides.values()].flatMap((s) => s.loads);
  if (rowPeers.length) {
    const compared = ours?.rows.length ? { compared: pool(ours.rows) } : {};
    row = { ...row, ...compared, peers: comparisons, load_average_1min: { min: Math.min(...loads), max: Math.max(...loads) } };
  }
  return row;
}

try {
  const peerSet = options.peer ? findPeers(progress) : null;
  peerSet?.notes.forEach((note) => progress(note));
  const peers = peerSet?.peers ?? [];
  progress(`machine: measuring read bandwidth and GEMM rate`);
  const measured = runOurs(request({ kind: "machine" }));
  if (!measured.ok || measured.result.kind !== "machine") throw new Error(`machine measurement failed: ${measured.ok ? "no figures" : measured.error}`);
  const transformers = peers.find((p) => p.id === "transformers");
  const peerMeasured = transformers ? runPeer(transformers, request({ kind: "machine" }), false) : null;
  const peerMachine = peerMeasured?.ok && peerMeasured.result.kind === "peer_machine" ? peerMeasured.result.machine : null;
  const machine = {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    ram_gb: totalmem() / 1e9,
    backend: measured.result.backend,
    blas: activeBlas(),
    native_heap: nativeHeapPolicy(),
    date: new Date().toISOString(),
    commit: commit(),
    bench_mode: options.small ? "small (layers and vocabulary cut)" : "full (released shapes)",
    runs_per_row: settings.runs,
    rounds_per_row_with_peers: options.peer ? ROUNDS_WITH_PEERS : 1,
    peers: peerSet ? peerSet.notes : "not requested",
    load_average_at_start: loadavg(),
    ...measured.result.machine,
    ...(peerMachine ? { peer_gemm_gflops: peerMachine.gemm_gflops, peer_gemm_library: "PyTorch (MKL)" } : {}),
  };
  progress(
    `  → read ${machine.read_bandwidth_gb_s.toFixed(1)} GB/s, GEMM ${machine.gemm_gflops.toFixed(0)} GFLOP/s` +
      (peerMachine ? `; PyTorch's GEMM ${(peerMachine.gemm_gflops as number).toFixed(0)} GFLOP/s` : ""),
  );

  const checked = new Set<string>();
  const results: RowResult[] = [];
  for (const planned of planRows(options)) {
    results.push(runRow(planned, machine, peers, checked));
    // Rows finished so far, in case a long run is cut short.
    if (options.json) writeFileSync(options.json, `${JSON.stringify({ machine, results, complete: false }, null, 2)}\n`);
  }
  const peaks = results.map((r) => (typeof r.peak_rss_bytes === "number" ? r.peak_rss_bytes : 0));
  const document = { machine: { ...machine, load_average_at_end: loadavg() }, results, peak_rss_bytes: Math.max(0, ...peaks) };

  console.log("");
  console.log(formatMachine(document.machine));
  console.log("");
  console.log(formatTable(results));
  if (peers.length) console.log(`\n${formatPeerTable(results, peers.map((p) => p.id))}`);
  const details = formatDetails(results);
  if (details) console.log(`\n${details}`);
  console.log(
    [
      "",
      `notes: median and min of ${settings.runs} runs after a warm-up${options.peer ? `, in each of ${ROUNDS_WITH_PEERS} rounds where a row has peers (ours and the peers alternate)` : ""}.`,
      `decode: the KV cache starts pre-filled with 512 random positions, then the real decodeTokens loop runs (greedy, no stop ids); tokens per run:`,
      `${[...new Set(results.filter((r) => r.name === "decode" && !r.skipped).map((r) => `${r.model} ${r.weights} ${r.tokens}`))].join(", ") || "-"}`,
      `(the quantized kernels are slow on the CPU, so the quantized 4B rows time fewer tokens). roofline = bytes read per token ÷ read bandwidth;`,
      `roofline ratio = roofline ms ÷ median ms ("at the matvec rate": the same with the bytes read at the measured matvec rate). prefill GEMM ratio = achieved FLOP/s (attention counted as the full L×L products) ÷ measured GEMM rate.`,
      ...(results.some((r) => r.name === "live" && !r.skipped)
        ? [
            `live: one session (after a 4 s warm-up session) fed chunk by chunk, each decoded before the next; median, min and worst over its chunks (the last pass, with no new audio, left out).`,
            `Random weights mostly stop after a token per chunk, so its decode is the light case (tokens per chunk in the JSON; scripts/bench-live.ts --no-stop gives the heavy one).`,
          ]
        : []),
      ...(peerSet ? [...peerSet.notes.map((n) => `peer: ${n}`), PEER_NOTE] : []),
    ].join("\n"),
  );
  if (options.json) {
    writeFileSync(options.json, `${JSON.stringify(document, null, 2)}\n`);
    progress(`wrote ${options.json}`);
  }
} catch (e) {
  if (!(e instanceof Interrupted)) throw e;
  process.exitCode = 130;
} finally {
  rmSync(root, { recursive: true, force: true });
}
