/**
 * `mlx-asr batch <folder>`: every audio file under a folder, one result file per
 * input (same relative path, a name no other input shares, written atomically), a
 * progress bar with ETA, a summary; `--resume` skips inputs the batch manifest
 * records as done, so a killed run loses and duplicates nothing.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, extname, join, relative, resolve } from "node:path";
import { CancelledError, EXIT_STATUS, UsageError } from "../errors";
import { formatTranscript } from "../formats";
import { OUTPUT_FILE_EXTENSIONS } from "../formats/transcript";
import { parseCommandArgs } from "./args";
import { DECODE_OPTION_HELP, DECODE_OPTION_SPEC, DecodeOptionsSchema, transcribeOptions } from "./decode-options";
import { BatchManifest, MANIFEST_NAME } from "./batch-manifest";
import { loadTranscriber } from "./model-option";
import { planResultNames } from "./output-names";
import { removeStalePartials, writeFileAtomic } from "./output-files";
import { formatDuration, ProgressLine, renderProgress } from "./progress";

export const AUDIO_EXTENSIONS = new Set([".wav", ".wave", ".mp3", ".flac", ".ogg", ".oga", ".opus", ".m4a", ".aac", ".mp4", ".webm", ".mka", ".aiff", ".aif", ".wma"]);

const HELP = `usage: bun run mlx-asr batch <folder> [--output <dir>] [--resume] [options]

Transcribes every audio file under <folder> (recursively). Results mirror the folder
tree under --output (default: <folder>-transcripts), one file per input, written
atomically; inputs that share a name keep their extension (talk.wav.txt,
talk.flac.txt). Each finished input is recorded in --output's ${MANIFEST_NAME};
--resume skips the inputs recorded there whose result is still in place; failed
inputs are listed in the summary and retried by the next --resume. Ctrl-C cancels
the file in flight at once, keeps every finished result and lists what is left
(exit 130).

${DECODE_OPTION_HELP}  --resume                              skip inputs that already have a result
`;

const Schema = DecodeOptionsSchema.extend({ resume: DecodeOptionsSchema.shape.translate });

/** Audio files under `dir`, sorted, skipping the output folder and hidden entries. */
export function findAudioFiles(dir: string, skip: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (resolve(path) !== skip) out.push(...findAudioFiles(path, skip));
    } else if (AUDIO_EXTENSIONS.has(extname(entry.name).toLowerCase())) out.push(path);
  }
  return out;
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("batch", argv, { ...DECODE_OPTION_SPEC, resume: { type: "boolean" } }, Schema);
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const folder = positionals[0];
  if (!folder || positionals.length > 1) throw new UsageError("BAD_ARGUMENTS", "batch", "give exactly one folder (see --help)");
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new UsageError("BAD_ARGUMENTS", folder, "is not a folder");
  const root = resolve(folder);
  const output = resolve(values.output ?? `${root.replace(/\/+$/, "")}-transcripts`);
  removeStalePartials(output);
  const inputs = findAudioFiles(root, output);
  // Every input's result name is fixed here, before any work, and shared with no other input.
  const names = planResultNames(inputs, OUTPUT_FILE_EXTENSIONS[values.format], (input) => dirname(relative(root, input)));
  const resultOf = new Map(inputs.map((input, i) => [input, names[i]!]));
  const manifest = new BatchManifest(output);
  const todo = values.resume ? inputs.filter((f) => !manifest.isDone(relative(root, f), resultOf.get(f)!)) : inputs;
  const skipped = inputs.length - todo.length;
  process.stderr.write(`batch: ${inputs.length} audio files under ${root}${skipped ? `, ${skipped} already done` : ""}; results in ${output}\n`);
  if (todo.length === 0) return 0;

  const transcriber = await loadTranscriber(values);
  const options = transcribeOptions(values);
  const line = new ProgressLine(process.stderr);
  const startedAtMs = Date.now();
  let audioSeconds = 0;
  const failures: { path: string; message: string }[] = [];
  const finished = new Set<string>();
  // Ctrl-C cancels the file in flight (its work stops at the next segment or token) and keeps what is complete.
  const interrupt = new AbortController();
  const stop = () => interrupt.abort();
  process.once("SIGINT", stop);
  try {
    await transcriber.transcribeBatch(todo, {
      ...options,
      signal: interrupt.signal,
      concurrency: 2,
      onProgress: ({ done, total, item }) => {
        if (item.result) {
          const transcript = item.result;
          const result = resultOf.get(item.path)!;
          writeFileAtomic(join(output, result), formatTranscript(transcript, values.format), () => manifest.record(relative(root, item.path), result));
          audioSeconds += transcript.durationSeconds;
        } else {
          const message = item.error?.message ?? "failed";
          failures.push({ path: item.path, message: message.startsWith(item.path) ? message : `${item.path}: ${message}` });
        }
        finished.add(item.path);
        line.update(() => renderProgress({ label: "batch", done, total, unit: "files", startedAtMs, nowMs: Date.now() }));
      },
    });
  } catch (e) {
    if (!(e instanceof CancelledError && interrupt.signal.aborted)) throw e;
  } finally {
    process.off("SIGINT", stop);
    line.clear();
  }
  const left = todo.filter((path) => !finished.has(path));
  if (left.length > 0) {
    reportInterrupted(todo.length - left.length - failures.length, failures, left);
    return EXIT_STATUS.cancelled;
  }
  const elapsed = (Date.now() - startedAtMs) / 1000;
  const done = todo.length - failures.length;
  const rtf = audioSeconds > 0 ? ` (real-time factor ${(elapsed / audioSeconds).toFixed(2)})` : "";
  process.stderr.write(
    `batch: ${done} transcribed, ${skipped} skipped, ${failures.length} failed; ${formatDuration(audioSeconds)} of audio in ${formatDuration(elapsed)}${rtf}; results in ${output}\n`,
  );
  for (const f of failures) process.stderr.write(`  failed: ${f.message}\n`);
  return failures.length ? EXIT_STATUS.batch_incomplete : 0;
}

/** What an interrupted batch finished and exactly what it left to do. */
function reportInterrupted(transcribed: number, failures: readonly { message: string }[], left: readonly string[]): void {
  process.stderr.write(
    `batch: interrupted: ${transcribed} transcribed, ${failures.length} failed, ${left.length} left (a file in flight is cancelled and writes nothing); rerun with --resume to do what is left\n`,
  );
  for (const f of failures) process.stderr.write(`  failed: ${f.message}\n`);
  for (const path of left) process.stderr.write(`  left: ${path}\n`);
}
