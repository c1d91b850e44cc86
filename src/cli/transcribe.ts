/**
 * `mlx-asr transcribe <files…>` (and `bun run transcribe …`): transcribe, optionally
 * translate, stream or write result files; `--memory` reports what the model needs.
 * With several inputs, a bad one is reported and the others still done (exit 10
 * when any failed), and JSON on stdout is JSON Lines, one object per input.
 */
import { formatTranscript } from "../formats";
import { toSimpleJson, toVerboseJson } from "../formats/json";
import { OUTPUT_FILE_EXTENSIONS, type Transcript } from "../formats/transcript";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { AudioError, CancelledError, EXIT_STATUS, UsageError } from "../errors";
import type { TranscriptionResult, Transcriber } from "../pipeline/transcriber";
import { parseCommandArgs } from "./args";
import { DECODE_OPTION_HELP, DECODE_OPTION_SPEC, DecodeOptionsSchema, transcribeOptions, type DecodeOptionValues } from "./decode-options";
import { memoryReportFor } from "./memory/inputs";
import { printError } from "./error-line";
import { DEFAULT_MODEL, loadTranscriber } from "./model-option";
import { writeFileAtomic } from "./output-files";
import { LIVE_OPTION_HELP, runLive } from "./live";
import { z } from "zod";
import { planResultNames } from "./output-names";

const HELP = `usage: bun run mlx-asr transcribe <audio files…> [options]
       bun run transcribe <audio files…> [options]
       bun run transcribe --live -|mic [options]

With several files, a file that fails is reported and the others are still
transcribed (exit 10 if any failed); --format json|verbose_json on stdout then
prints JSON Lines: one object per file, with its "file".

${DECODE_OPTION_HELP}  --stream                              print text as it is decoded (with --format other than txt,
                                        the formatted result follows once the file is done)
  --memory                              print the memory the model needs (weights, KV cache, activations) and exit
${LIVE_OPTION_HELP}
Live: on a terminal the committed text is written once and the tentative tail redrawn
after it; otherwise each committed piece is printed on its own line, and the final
transcript follows in --format (or goes to --output <dir>).
`;

const Schema = DecodeOptionsSchema.extend({
  stream: DecodeOptionsSchema.shape.translate,
  memory: DecodeOptionsSchema.shape.translate,
  live: z.string().min(1).optional(),
  raw: DecodeOptionsSchema.shape.translate,
  verbose: DecodeOptionsSchema.shape.translate,
});

export async function run(argv: string[]): Promise<number> {
  const spec = { ...DECODE_OPTION_SPEC, stream: { type: "boolean" }, memory: { type: "boolean" }, live: { type: "string" }, raw: { type: "boolean" }, verbose: { type: "boolean" } } as const;
  const { values, positionals } = parseCommandArgs("transcribe", argv, spec, Schema);
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values.memory) {
    process.stdout.write(`${await memoryReportFor(values.model ?? DEFAULT_MODEL, values.quantize, values["segment-seconds"])}\n`);
    return 0;
  }
  if (values.live !== undefined) return runLive(values, positionals);
  if (values.raw || values.verbose) throw new UsageError("BAD_ARGUMENTS", `transcribe --${values.raw ? "raw" : "verbose"}`, "goes with --live");
  if (positionals.length === 0) throw new UsageError("BAD_ARGUMENTS", "transcribe", "give at least one audio file (see --help)");
  if (values.stream && values.output) throw new UsageError("BAD_ARGUMENTS", "transcribe --stream", "streams to the terminal; leave out --output");
  const several = positionals.length > 1;
  // Decided before any work: each input's own result file, never shared (c1/x.wav, c2/x.wav → c1/x.txt, c2/x.txt).
  const results = values.output ? planResultNames(positionals, OUTPUT_FILE_EXTENSIONS[values.format]).map((name) => join(values.output!, name)) : null;
  const failed: string[] = [];
  /** One input's failure: the whole command's with one input; reported, and the rest go on, with several. */
  const fail = (file: string, e: unknown) => {
    if (!several || e instanceof CancelledError) throw e;
    printError(e);
    failed.push(file);
  };
  // Inputs that do not exist fail before a model that may take a minute is loaded.
  const readable = positionals.map((file) => {
    try {
      assertReadableAudio(file);
      return true;
    } catch (e) {
      fail(file, e);
      return false;
    }
  });
  if (readable.includes(true)) {
    const transcriber = await loadTranscriber(values);
    if (values.translate) transcriber.assertTextModel();
    for (const [i, file] of positionals.entries()) {
      if (!readable[i]) continue;
      try {
        await transcribeOne(transcriber, file, values, several, results?.[i]);
      } catch (e) {
        fail(file, e);
      }
    }
  }
  if (failed.length === 0) return 0;
  process.stderr.write(`transcribe: ${failed.length} of ${positionals.length} files failed: ${failed.join(", ")}\n`);
  return EXIT_STATUS.batch_incomplete;
}

function assertReadableAudio(file: string): void {
  if (!existsSync(file)) throw new AudioError("AUDIO_NOT_FOUND", file, "file does not exist or cannot be read");
  if (statSync(file).isDirectory()) throw new AudioError("AUDIO_NOT_FOUND", file, "is a directory, not an audio file (use batch for folders)");
}

async function transcribeOne(
  transcriber: Transcriber,
  file: string,
  values: DecodeOptionValues & { stream?: boolean },
  several: boolean,
  resultFile: string | undefined,
): Promise<void> {
  const options = transcribeOptions(values);
  const jsonLines = several && !resultFile && (values.format === "json" || values.format === "verbose_json");
  // The header goes out with the file's first output, so a file that fails leaves none.
  let header = several && !values.output && !jsonLines ? `==> ${file} <==\n` : "";
  const write = (text: string) => {
    process.stdout.write(header + text);
    header = "";
  };
  let result: TranscriptionResult;
  if (values.stream) {
    result = await transcriber.transcribe(file, { ...options, cleanup: "stream-safe", onToken: write });
    write("\n");
  } else {
    result = await transcriber.transcribe(file, options);
  }
  let transcript: TranscriptionResult = result;
  if (values.translate) {
    const translated = await transcriber.translateTranscript(result);
    if (values.stream) write(`${translated.translation.text}\n`);
    transcript = translated;
  }
  for (const warning of transcript.warnings) process.stderr.write(`mlx-asr: warning: ${warning}\n`);
  if (jsonLines) {
    process.stdout.write(`${JSON.stringify(jsonLine(file, transcript, values.format === "verbose_json", values.temperature))}\n`);
    return;
  }
  const formatted = formatTranscript(transcript, values.format, { bilingual: values.translate, temperature: values.temperature });
  if (resultFile) {
    writeFileAtomic(resultFile, formatted);
    process.stderr.write(`${resultFile}\n`);
  } else if (!values.stream || values.format !== "txt") {
    // Streamed text is the txt format already; another format follows it once the file is done.
    write(formatted.endsWith("\n") ? formatted : `${formatted}\n`);
  }
}

/** One input's JSON Lines record: its file, then the format's object. */
function jsonLine(file: string, transcript: Transcript, verbose: boolean, temperature?: number): object {
  return { file, ...(verbose ? toVerboseJson(transcript, { temperature }) : toSimpleJson(transcript)) };
}
