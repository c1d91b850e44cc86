/**
 * `mlx-asr download <org/name>[@revision] [--revision R] [--include <glob>]…`
 *
 * Downloads a model into the Hugging Face cache, with a progress bar on stderr,
 * and prints its snapshot directory on stdout. `ensureDownloaded` offers the
 * same download to commands that are given a model id that is not cached.
 */
import { createInterface } from "node:readline/promises";
import { z } from "zod";
import { CancelledError, ModelNotFoundError, UsageError } from "../errors";
import { repoCacheDir, resolveCachedSnapshot } from "../hub/cache";
import { downloadModel, type DownloadProgress } from "../hub/download";
import { parseHubId } from "../hub/reference";
import { parseCommandArgs } from "./args";
import { ProgressLine, renderProgress } from "./progress";

/** The files a model needs: weights, configurations, tokenizers, CMVN statistics. */
export const MODEL_FILE_PATTERNS: readonly string[] = ["*.json", "*.safetensors", "*.txt", "*.model", "*.mvn", "*.yaml"];

const HELP = `usage: bun run mlx-asr download <org/name>[@revision] [--revision R] [--include <glob>]…

Downloads a model into the Hugging Face cache ($HF_HUB_CACHE, else $HF_HOME/hub,
else ~/.cache/huggingface/hub) and prints its snapshot directory. An interrupted
download resumes where it stopped when run again.

  --revision  branch, tag or commit (default main; "org/name@revision" says the same)
  --include   only files matching this glob; repeatable (default: ${MODEL_FILE_PATTERNS.join(" ")});
              --include '*' downloads every file

environment: HF_TOKEN    access token, for private and gated models
             HF_ENDPOINT a mirror of https://huggingface.co
`;

const Options = z.object({
  revision: z.string().min(1, "must not be empty").optional(),
  include: z.array(z.string().min(1, "must not be empty")).optional(),
  help: z.boolean().optional(),
});

export async function run(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(HELP);
    return 0;
  }
  const { values, positionals } = parseCommandArgs(
    "download",
    argv,
    { revision: { type: "string" }, include: { type: "string", multiple: true }, help: { type: "boolean" } },
    Options,
  );
  const [text, extra] = positionals;
  if (text === undefined) throw new UsageError("BAD_ARGUMENTS", "download", "give the model id: download <org/name>[@revision]");
  if (extra !== undefined) throw new UsageError("BAD_ARGUMENTS", "download", `unexpected argument "${extra}"`);
  const id = parseHubId(text);
  if (!id) throw new UsageError("BAD_ARGUMENTS", text, 'is not a Hugging Face model id; expected "org/name" or "org/name@revision"');
  if (values.revision !== undefined && text.includes("@") && values.revision !== id.revision) {
    throw new UsageError("BAD_ARGUMENTS", "download --revision", `conflicts with "@${id.revision}" in the model id`);
  }
  const snapshot = await downloadWithProgress(id.repoId, values.revision ?? id.revision, values.include ?? MODEL_FILE_PATTERNS);
  process.stdout.write(`${snapshot}\n`);
  return 0;
}

/**
 * The snapshot directory of a hub model, downloading it first when it is not
 * cached and the user agreed beforehand (`confirmed`, e.g. --yes) or, asked on
 * the terminal, agrees.
 */
export async function ensureDownloaded(repoId: string, revision: string, options: { interactive: boolean; confirmed?: boolean }): Promise<string> {
  const cached = resolveCachedSnapshot(repoId, revision);
  if (cached) return cached;
  const id = revision === "main" ? repoId : `${repoId}@${revision}`;
  const cacheDir = repoCacheDir(repoId);
  const canAsk = options.interactive && process.stdin.isTTY === true && process.stderr.isTTY === true;
  if (options.confirmed || (canAsk && (await askYesNo(`Model ${id} is not in the Hugging Face cache (${cacheDir}). Download it now? [y/N] `, id)))) {
    return downloadWithProgress(repoId, revision, MODEL_FILE_PATTERNS);
  }
  throw new ModelNotFoundError("MODEL_NOT_FOUND", id, `is not in the Hugging Face cache (${cacheDir}); download it with: bun run mlx-asr download ${id}`);
}

async function downloadWithProgress(repoId: string, revision: string, allowPatterns: readonly string[]): Promise<string> {
  const line = new ProgressLine(process.stderr);
  const startedAtMs = Date.now();
  const render = (event: DownloadProgress, label: string) =>
    renderProgress({ label, done: event.bytesDone, total: event.bytesTotal, unit: "bytes", startedAtMs, nowMs: Date.now(), doneAtStart: event.bytesReused });
  let last: DownloadProgress | undefined;

  // Ctrl-C cancels cleanly: the partial file stays for the next run to resume.
  const controller = new AbortController();
  const cancel = () => controller.abort();
  process.once("SIGINT", cancel);
  try {
    const snapshot = await downloadModel(repoId, {
      revision,
      allowPatterns: [...allowPatterns],
      signal: controller.signal,
      onProgress: (event) => {
        last = event;
        line.update(() => render(event, `${Math.min(event.filesDone + 1, event.filesTotal)}/${event.filesTotal} ${shorten(event.file, 32)}`));
      },
    });
    line.finish(last && render(last, repoId));
    return snapshot;
  } catch (e) {
    line.clear();
    throw e;
  } finally {
    process.off("SIGINT", cancel);
  }
}

function shorten(text: string, width: number): string {
  return text.length <= width ? text.padEnd(width) : `…${text.slice(text.length - width + 1)}`;
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
