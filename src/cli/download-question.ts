/**
 * How the command line gets weights that are not on this machine: it says what
 * would be downloaded (repositories, parts, sizes, where to), then downloads at
 * once with --yes (or MLX_ASR_ASSUME_YES=1), asks on a terminal, and otherwise
 * leaves the resolver to end with the command that downloads them. Downloads show
 * a progress bar per repository on stderr; Ctrl-C stops them resumably.
 */
import { createInterface } from "node:readline/promises";
import { CancelledError } from "../errors";
import type { DownloadProgress } from "../hub/download";
import type { DownloadPlan } from "../pipeline/download-plan";
import { defaultVariantReason } from "../pipeline/family-variants";
import type { ResolveModelOptions } from "../pipeline/resolve-model";
import { formatBytes, ProgressLine, renderProgress } from "./progress";

/** --yes, or MLX_ASR_ASSUME_YES=1 in the environment. */
export function assumeYes(yes: boolean | undefined): boolean {
  return yes === true || process.env.MLX_ASR_ASSUME_YES === "1";
}

function isTerminal(): boolean {
  return process.stdin.isTTY === true && process.stderr.isTTY === true;
}

/** What the plan downloads, one line per repository, then where it goes. */
export function describePlan(plan: DownloadPlan, memoryBytes?: number): string {
  const width = Math.max(...plan.sources.map((s) => s.repo.length));
  const lines = plan.sources.map((s) => {
    const cached = s.missingBytes < s.totalBytes ? ` (${formatBytes(s.totalBytes - s.missingBytes)} already cached)` : "";
    return `  ${s.repo.padEnd(width)}  ${s.parts.join(", ").padEnd(22)} ${formatBytes(s.totalBytes).padStart(9)}${cached}`;
  });
  const reason = plan.family && plan.variant ? defaultVariantReason(plan.family, plan.variant, memoryBytes) : null;
  if (reason) lines.push(`  ${reason}`);
  const folder = plan.modelFolder ? `; model folder ${plan.modelFolder}` : "";
  lines.push(`  ${formatBytes(plan.missingBytes)} to download into ${plan.hubCache}${folder}`);
  return `${plan.reference} needs:\n${lines.join("\n")}`;
}

/** Asks on the terminal; Ctrl-C cancels, end of input means no. */
async function askYesNo(question: string, subject: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  const stop = new AbortController();
  let interrupted = false;
  prompt.on("SIGINT", () => {
    interrupted = true;
    stop.abort();
  });
  prompt.on("close", () => stop.abort());
  try {
    const answer = await prompt.question(question, { signal: stop.signal });
    return /^\s*y(es)?\s*$/i.test(answer);
  } catch (e) {
    if (interrupted) throw new CancelledError("CANCELLED", subject, "cancelled at the download question");
    if (stop.signal.aborted) return false;
    throw e;
  } finally {
    prompt.close();
  }
}

/** Draws one progress bar per repository on stderr. */
export class DownloadProgressPrinter {
  private readonly line = new ProgressLine(process.stderr);
  private repo: string | null = null;
  private last: DownloadProgress | null = null;
  private startedAtMs = Date.now();

  readonly onProgress = (event: DownloadProgress, repo: string): void => {
    if (repo !== this.repo) {
      this.finishRepo();
      this.repo = repo;
      this.startedAtMs = Date.now();
    }
    this.last = event;
    const label = `${repo} ${Math.min(event.filesDone + 1, event.filesTotal)}/${event.filesTotal}`;
    this.line.update(() => this.render(event, label));
  };

  private render(event: DownloadProgress, label: string): string {
    return renderProgress({ label, done: event.bytesDone, total: event.bytesTotal, unit: "bytes", startedAtMs: this.startedAtMs, nowMs: Date.now(), doneAtStart: event.bytesReused });
  }

  private finishRepo(): void {
    if (this.repo && this.last) this.line.finish(this.render(this.last, this.repo));
    this.last = null;
  }

  finish(): void {
    this.finishRepo();
  }

  clear(): void {
    this.line.clear();
  }
}

/**
 * Runs `job` (a download, or a resolution that may download) with the command
 * line's resolver options: downloads announced and made at once with `yes`, asked
 * for on a terminal, refused otherwise; a progress bar while they run; Ctrl-C
 * cancels a download resumably.
 */
export async function withCliDownloads<T>(yes: boolean | undefined, job: (options: ResolveModelOptions) => Promise<T>): Promise<T> {
  const printer = new DownloadProgressPrinter();
  const controller = new AbortController();
  const cancel = () => controller.abort();
  const confirmed = assumeYes(yes);
  const download: ResolveModelOptions["download"] = confirmed
    ? async (plan) => {
        process.stderr.write(`mlx-asr: downloading ${describePlan(plan)}\n`);
        return true;
      }
    : isTerminal()
      ? (plan) => askYesNo(`mlx-asr: ${describePlan(plan)}\nDownload now? [y/N] `, plan.reference)
      : false;
  process.once("SIGINT", cancel);
  try {
    const result = await job({ download, onDownloadProgress: printer.onProgress, signal: controller.signal });
    printer.finish();
    return result;
  } catch (e) {
    printer.clear();
    throw e;
  } finally {
    process.off("SIGINT", cancel);
  }
}
