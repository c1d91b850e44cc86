/**
 * The modern peer's Python: a venv of its own under the user's cache
 * (`$XDG_CACHE_HOME/mlx-asr/bench-peer-venv`, else `~/.cache/…`), made with pip on
 * first use — PyTorch 2.13 (CPU wheel) and transformers 5.18 — so the peer is
 * the stack a Linux user would install today, not whatever the system Python has.
 * Without pip access the peer is skipped with a one-line note.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

export const PEER_REQUIREMENTS = ["torch==2.13.0", "transformers==5.18.0", "safetensors", "numpy"] as const;
/** Where the CPU-only torch wheels live, tried only when the default index cannot serve torch. */
const TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu";
const READY_MARKER = "mlx-asr-peer-ready.json";
const PROBE = "import torch, transformers, numpy, safetensors; print(f'torch {torch.__version__}, transformers {transformers.__version__}, numpy {numpy.__version__}')";

export function peerVenvDir(env: NodeJS.ProcessEnv = process.env): string {
  const cache = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.startsWith("/") ? env.XDG_CACHE_HOME : join(homedir(), ".cache");
  return join(cache, "mlx-asr", "bench-peer-venv");
}

export type PeerVenv = { readonly ok: true; readonly python: string; readonly versions: string } | { readonly ok: false; readonly note: string };

function lastLine(text: string | null | undefined): string {
  return (text ?? "").trim().split("\n").pop()?.trim() ?? "";
}

function probe(python: string): string | null {
  if (!existsSync(python)) return null;
  const run = spawnSync(python, ["-c", PROBE], { encoding: "utf8" });
  return run.status === 0 ? run.stdout.trim() : null;
}

/** The first Python 3 on PATH that can make a venv. */
function basePython(): string | null {
  for (const candidate of ["python3", "/usr/bin/python3"]) {
    const run = spawnSync(candidate, ["-c", "import venv, ensurepip"], { encoding: "utf8" });
    if (run.status === 0) return candidate;
  }
  return null;
}

function pip(python: string, args: readonly string[], log: string): boolean {
  const run = spawnSync(python, ["-m", "pip", "install", "--disable-pip-version-check", ...args], { encoding: "utf8" });
  writeFileSync(log, `$ pip install ${args.join(" ")}\n${run.stdout ?? ""}${run.stderr ?? ""}\n`, { flag: "a" });
  return run.status === 0;
}

/**
 * The venv's python, made first if needed (that takes minutes: pip downloads
 * about 1 GB; `say` is told). Never throws: a failure is a note.
 */
export function ensurePeerVenv(say: (message: string) => void, dir = peerVenvDir()): PeerVenv {
  const python = join(dir, "bin", "python");
  if (existsSync(join(dir, READY_MARKER))) {
    const versions = probe(python);
    if (versions) return { ok: true, python, versions };
  }
  const base = basePython();
  if (!base) return { ok: false, note: "modern peer skipped: no python3 with the venv module on PATH" };
  const log = `${dir}.log`;
  say(`peer: creating the benchmark's Python venv at ${dir} (first use; pip install ${PEER_REQUIREMENTS.join(" ")}; this takes minutes; log: ${log})`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dirname(dir), { recursive: true });
  writeFileSync(log, "");
  const venv = spawnSync(base, ["-m", "venv", dir], { encoding: "utf8" });
  if (venv.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return { ok: false, note: `modern peer skipped: \`${base} -m venv\` failed (${lastLine(venv.stderr) || `exit ${venv.status}`})` };
  }
  let installed = pip(python, PEER_REQUIREMENTS, log);
  if (!installed) {
    say(`peer: the default index could not install them; trying torch from ${TORCH_CPU_INDEX}`);
    installed = pip(python, ["--index-url", TORCH_CPU_INDEX, PEER_REQUIREMENTS[0]], log) && pip(python, PEER_REQUIREMENTS, log);
  }
  const versions = installed ? probe(python) : null;
  if (!versions) {
    rmSync(dir, { recursive: true, force: true });
    const why = lastLine(readFileSync(log, "utf8").split("\n").filter((l) => /error/i.test(l)).join("\n")) || "see the log";
    return { ok: false, note: `modern peer skipped: pip could not install ${PEER_REQUIREMENTS.join(" ")} (${why}; ${log})` };
  }
  writeFileSync(join(dir, READY_MARKER), JSON.stringify({ requirements: PEER_REQUIREMENTS, versions }));
  say(`peer: venv ready (${versions})`);
  return { ok: true, python, versions };
}
