/** Any failure as the one line the command line prints (a stack trace only with MLX_ASR_DEBUG=1). */
import { isAsrError } from "../errors";

export function errorLine(e: unknown): string {
  if (isAsrError(e)) return `mlx-asr: ${e.oneLine()}`;
  const message = e instanceof Error ? e.message : String(e);
  return `mlx-asr: internal error: ${message.split("\n")[0]} (set MLX_ASR_DEBUG=1 for details)`;
}

/** Writes the line (and, when debugging, the stack) to stderr. */
export function printError(e: unknown): void {
  process.stderr.write(`${errorLine(e)}\n`);
  if (process.env.MLX_ASR_DEBUG && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
}
