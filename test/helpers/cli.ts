/** Runs the command line in a child process, as a user would. */
import { join } from "node:path";

export const ROOT = join(import.meta.dir, "..", "..");

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
  /** The signal that ended the child, when one did (status is then -1). */
  signal?: string;
}

export function runCli(args: string[], env: Record<string, string | undefined> = {}, stdin?: string): CliResult {
  const result = Bun.spawnSync(["bun", join(ROOT, "src/cli/main.ts"), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdin: stdin === undefined ? "ignore" : Buffer.from(stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  const signal = (result as { signalCode?: string | null }).signalCode ?? undefined;
  return { status: result.exitCode ?? -1, stdout: result.stdout.toString(), stderr: result.stderr.toString(), ...(signal ? { signal } : {}) };
}

/** Like runCli, without blocking this process: for tests whose servers the child talks to. */
export async function runCliAsync(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  const child = Bun.spawn(["bun", join(ROOT, "src/cli/main.ts"), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, status] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { status, stdout, stderr };
}
