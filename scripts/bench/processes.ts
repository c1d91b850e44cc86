/**
 * Running one task at a time in a child process — ours under Bun, a peer's
 * under its Python — and reading back the result file it writes. Also which
 * peers this machine has: the modern venv (transformers and our lean loops on
 * PyTorch 2.13) and, if Debian's python3-torch is installed, the old PyTorch 1.13.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { ensurePeerVenv } from "./peer-venv";
import type { PeerId } from "./plan";
import type { ChildRequest, ChildResult } from "./tasks";

const OLD_PEER_PYTHON = "/usr/bin/python3";
const CHILD_SCRIPT = join(import.meta.dir, "child.ts");
const PEER_DIR = join(import.meta.dir, "..", "peer");
const SCRIPTS: Readonly<Record<PeerId, string>> = {
  transformers: join(PEER_DIR, "bench_transformers.py"),
  torch: join(PEER_DIR, "bench_peer.py"),
  torch_old: join(PEER_DIR, "bench_peer.py"),
};
/** The peers read local files only; no hub look-ups, no progress bars in the log. */
const PEER_ENV = { HF_HUB_OFFLINE: "1", TRANSFORMERS_OFFLINE: "1", HF_HUB_DISABLE_PROGRESS_BARS: "1", TRANSFORMERS_VERBOSITY: "error", TOKENIZERS_PARALLELISM: "false" };

export type Outcome = { readonly ok: true; readonly result: ChildResult } | { readonly ok: false; readonly error: string };

/** Thrown when a child was interrupted (Ctrl-C reaches the children too): the run stops instead of starting the next one. */
export class Interrupted extends Error {}

function runAndRead(command: string, args: string[], resultFile: string, env: NodeJS.ProcessEnv = process.env): Outcome {
  rmSync(resultFile, { force: true });
  const child = spawnSync(command, args, { stdio: ["ignore", "inherit", "inherit"], env });
  if (child.error) return { ok: false, error: child.error.message };
  if (child.signal === "SIGINT" || child.status === 130) throw new Interrupted("interrupted");
  if (child.status !== 0 || !existsSync(resultFile)) {
    const how = child.signal ? `killed by ${child.signal}${child.signal === "SIGKILL" ? " (out of memory?)" : ""}` : `exit code ${child.status}`;
    return { ok: false, error: `child process failed: ${how}` };
  }
  return { ok: true, result: JSON.parse(readFileSync(resultFile, "utf8")) as ChildResult };
}

export function runOurs(request: ChildRequest): Outcome {
  return runAndRead(process.execPath, [CHILD_SCRIPT, JSON.stringify(request)], request.resultFile);
}

export interface Peer {
  readonly id: PeerId;
  /** Column title. */
  readonly label: string;
  readonly python: string;
  /** "torch 2.13.0+cpu, transformers 5.18.0, numpy 2.4.6". */
  readonly versions: string;
  readonly threads: number;
}

export interface PeerRequest extends ChildRequest {
  /** Recompute the check file of this row's model(s) and compare. */
  readonly check: boolean;
  readonly threads: number;
}

export function runPeer(peer: Peer, request: ChildRequest, check: boolean): Outcome {
  const full: PeerRequest = { ...request, check, threads: peer.threads };
  return runAndRead(peer.python, [SCRIPTS[peer.id], JSON.stringify(full)], request.resultFile, { ...process.env, ...PEER_ENV });
}

export interface PeerSet {
  readonly peers: readonly Peer[];
  /** One line per peer: what it is, or why it is skipped. */
  readonly notes: readonly string[];
}

function oldPeer(threads: number): Peer | string {
  const probe = spawnSync(OLD_PEER_PYTHON, ["-c", "import torch, numpy; print(f'torch {torch.__version__}, numpy {numpy.__version__}')"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) return `old peer (Debian python3-torch 1.13 under ${OLD_PEER_PYTHON}) not installed: its column is left out`;
  const versions = probe.stdout.trim();
  const torch = versions.split(",")[0]!.replace("torch ", "");
  return { id: "torch_old", label: `lean loops, torch ${torch} (old)`, python: OLD_PEER_PYTHON, versions, threads };
}

/** The peers of `--peer`: the modern venv (made on first use) and the old Debian PyTorch if present. */
export function findPeers(say: (message: string) => void): PeerSet {
  const threads = cpus().length;
  const peers: Peer[] = [];
  const notes: string[] = [];
  const venv = ensurePeerVenv(say);
  if (venv.ok) {
    const torch = venv.versions.split(",")[0]!.replace("torch ", "").replace(/\+cpu$/, "");
    const transformers = /transformers ([^,]+)/.exec(venv.versions)?.[1] ?? "?";
    peers.push({ id: "transformers", label: `transformers ${transformers}, torch ${torch}`, python: venv.python, versions: venv.versions, threads });
    peers.push({ id: "torch", label: `lean loops, torch ${torch}`, python: venv.python, versions: venv.versions, threads });
    notes.push(`modern peer: ${venv.versions} (${venv.python}), torch.set_num_threads(${threads})`);
  } else {
    notes.push(venv.note);
  }
  const old = oldPeer(threads);
  if (typeof old === "string") notes.push(old);
  else {
    peers.push(old);
    notes.push(`old peer: ${old.versions} (${old.python}), torch.set_num_threads(${threads})`);
  }
  return { peers, notes };
}
