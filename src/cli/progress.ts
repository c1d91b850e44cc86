/**
 * A one-line progress display for long commands (downloads in bytes, batches in
 * files): `renderProgress` formats the line, `ProgressLine` shows it — redrawn
 * in place on a terminal, as an occasional plain line in logs.
 */

export type ProgressUnit = "bytes" | "files";

export interface ProgressState {
  label: string;
  done: number;
  total: number;
  unit: ProgressUnit;
  startedAtMs: number;
  nowMs: number;
  /** The amount already done when timing started (e.g. resumed bytes); left out of the rate and the ETA. */
  doneAtStart?: number;
  /** Width of the bar between the brackets; default 24. */
  barWidth?: number;
}

/** e.g. `label  [##########..............]  45%  1.2 GB/3.4 GB  12.3 MB/s  ETA 3m12s` */
export function renderProgress(state: ProgressState): string {
  const { label, done, total, unit, startedAtMs, nowMs } = state;
  const width = state.barWidth ?? 24;
  const fraction = total > 0 ? Math.min(Math.max(done / total, 0), 1) : 1;
  const filled = Math.round(fraction * width);
  const bar = `[${"#".repeat(filled)}${".".repeat(width - filled)}]`;
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  const amount = unit === "bytes" ? `${formatBytes(done)}/${formatBytes(total)}` : `${done}/${total} files`;

  const elapsedSeconds = Math.max(nowMs - startedAtMs, 0) / 1000;
  const progressed = done - (state.doneAtStart ?? 0);
  const measurable = elapsedSeconds > 0 && progressed > 0;
  let rate = "";
  if (measurable) rate = unit === "bytes" ? `${formatBytes(progressed / elapsedSeconds)}/s` : `${(elapsedSeconds / progressed).toFixed(1)} s/file`;
  const remaining = total - done;
  const eta = remaining <= 0 ? "" : measurable ? `ETA ${formatDuration((remaining * elapsedSeconds) / progressed)}` : "ETA --";

  return [label, bar, percent, amount, rate, eta].filter((part) => part !== "").join("  ");
}

const BYTE_UNITS = ["B", "kB", "MB", "GB", "TB", "PB"];

/** Decimal units, as the hub and disk makers count: `512 B`, `1.2 kB`, `3.4 GB`. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (unit < BYTE_UNITS.length - 1 && Math.abs(value) >= 999.95) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${BYTE_UNITS[unit]}`;
}

/** `45s`, `3m12s`, `2h05m` */
export function formatDuration(seconds: number): string {
  const total = Math.max(Math.round(seconds), 0);
  if (total < 60) return `${total}s`;
  if (total < 3600) return `${Math.floor(total / 60)}m${String(total % 60).padStart(2, "0")}s`;
  const minutes = Math.floor(total / 60);
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`;
}

/** The part of a writable stream the progress line needs (process.stderr satisfies it). */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressLineOptions {
  /** Least time between redraws on a terminal; default 100 ms. */
  terminalIntervalMs?: number;
  /** Least time between plain lines when not on a terminal; default 10 s. */
  plainIntervalMs?: number;
}

export class ProgressLine {
  private lastDrawMs = Number.NEGATIVE_INFINITY;
  private lineOpen = false;
  private readonly intervalMs: number;

  constructor(
    private readonly stream: ProgressStream = process.stderr,
    options: ProgressLineOptions = {},
  ) {
    this.intervalMs = stream.isTTY ? (options.terminalIntervalMs ?? 100) : (options.plainIntervalMs ?? 10_000);
  }

  /** Shows `line` unless the last one was drawn too recently; a function is only called when it will be shown. */
  update(line: string | (() => string), nowMs: number = Date.now()): void {
    if (nowMs - this.lastDrawMs < this.intervalMs) return;
    this.lastDrawMs = nowMs;
    this.draw(typeof line === "function" ? line() : line);
  }

  /** Shows the final `line` (if given) and ends the line, so later output starts on a fresh one. */
  finish(line?: string): void {
    if (line !== undefined) this.draw(line);
    if (this.lineOpen) this.stream.write("\n");
    this.lineOpen = false;
  }

  /** Erases the line on a terminal (before an error message, say). */
  clear(): void {
    if (this.lineOpen) this.stream.write("\r\x1b[K");
    this.lineOpen = false;
  }

  private draw(line: string): void {
    if (!this.stream.isTTY) {
      this.stream.write(`${line}\n`);
      return;
    }
    const columns = this.stream.columns || 80; // 0 when the terminal does not report a size
    const fitted = line.length < columns ? line : line.slice(0, Math.max(columns - 1, 1));
    this.stream.write(`\r${fitted}\x1b[K`);
    this.lineOpen = true;
  }
}
