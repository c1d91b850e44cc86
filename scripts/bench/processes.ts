/**
 * Running one task at a time in a child process — ours under Bun, the peer's
 * under Debian's Python — and reading back the result file it writes.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import type { ChildRequest, ChildResult } from "./tasks";

export const PEER_PYTHON = "/usr/bin/python3";
const CHILD_SCRIPT = join(import.meta.dir, "child.ts");
const PEER_SCRIPT = join(import.meta.dir, "..", "peer", "bench_peer.py");

export type Outcome = { readonly ok: true; readonly result: ChildResult } | { readonly ok: false; readonly error: string };

function runAndRead(command: string, args: string[], resultFile: string, env: NodeJS.ProcessEnv = process.env): Outcome {
  rmSync(resultFile, { force: true });
  const child = spawnSync(command, args, { stdio: ["ignore", "inherit", "inherit"], env });
  if (child.error) return { ok: false, error: child.error.message };
  if (child.status !== 0 || !existsSync(resultFile)) {
    const how = child.signal ? `killed by ${child.signal}${child.signal === "SIGKILL" ? " (out of memory?)" : ""}` : `exit code ${child.status}`;
    return { ok: false, error: `child process failed: ${how}` };
  }
  return { ok: true, result: JSON.parse(readFileSync(resultFile, "utf8")) as ChildResult };
}

export function runOurs(request: ChildRequest): Outcome {
  return runAndRead(process.execPath, [CHILD_SCRIPT, JSON.stringify(request)], request.resultFile);
}

export interface PeerRequest extends ChildRequest {
  /** Recompute the check file of this row's model(s) and compare. */
  readonly check: boolean;
  readonly threads: number;
}

export function runPeer(request: PeerRequest): Outcome {
  return runAndRead(PEER_PYTHON, [PEER_SCRIPT, JSON.stringify(request)], request.resultFile);
}

export interface PeerStatus {
  readonly available: boolean;
  /** "torch 1.13.0a0, numpy 1.24.2", or why the peer is skipped. */
  readonly note: string;
  readonly threads: number;
}

export function peerStatus(): PeerStatus {
  const threads = cpus().length;
  const probe = spawnSync(PEER_PYTHON, ["-c", "import torch, numpy; print(f'torch {torch.__version__}, numpy {numpy.__version__}')"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) {
    const why = probe.error?.message ?? (probe.stderr ?? "").trim().split("\n").pop() ?? "failed";
    return { available: false, note: `peer skipped: \`${PEER_PYTHON} -c "import torch"\` failed (${why})`, threads };
  }
  return { available: true, note: `${probe.stdout.trim()}, torch.set_num_threads(${threads}) (its default is 1)`, threads };
}
