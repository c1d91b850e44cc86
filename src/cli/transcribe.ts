/**
 * `mlx-asr transcribe <files…>` (and `bun run transcribe …`): transcribe, optionally
 * translate, stream or write result files; `--memory` reports what the model needs.
 */
import { formatTranscript } from "../formats";
import { OUTPUT_FILE_EXTENSIONS } from "../formats/transcript";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { AudioError, UsageError } from "../errors";
import type { TranscriptionResult, Transcriber } from "../pipeline/transcriber";
import { parseCommandArgs } from "./args";
import { DECODE_OPTION_HELP, DECODE_OPTION_SPEC, DecodeOptionsSchema, transcribeOptions, type DecodeOptionValues } from "./decode-options";
import { memoryReportFor } from "./memory";
import { DEFAULT_MODEL, loadTranscriber } from "./model-option";
import { writeFileAtomic } from "./output-files";
import { planResultNames } from "./output-names";

const HELP = `usage: bun run mlx-asr transcribe <audio files…> [options]
       bun run transcribe <audio files…> [options]

${DECODE_OPTION_HELP}  --stream                              print text as it is decoded
  --memory                              print the memory the model needs (weights, KV cache, activations) and exit
`;

const Schema = DecodeOptionsSchema.extend({
  stream: DecodeOptionsSchema.shape.translate,
  memory: DecodeOptionsSchema.shape.translate,
});

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("transcribe", argv, { ...DECODE_OPTION_SPEC, stream: { type: "boolean" }, memory: { type: "boolean" } }, Schema);
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values.memory) {
    process.stdout.write(`${await memoryReportFor(values.model ?? DEFAULT_MODEL, values.quantize, values["segment-seconds"])}\n`);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError("BAD_ARGUMENTS", "transcribe", "give at least one audio file (see --help)");
  if (values.stream && values.output) throw new UsageError("BAD_ARGUMENTS", "transcribe --stream", "streams to the terminal; leave out --output");
  positionals.forEach(assertReadableAudio);
  // Decided before any work: each input's own result file, never shared (c1/x.wav, c2/x.wav → c1/x.txt, c2/x.txt).
  const results = values.output ? planResultNames(positionals, OUTPUT_FILE_EXTENSIONS[values.format]).map((name) => join(values.output!, name)) : null;
  const transcriber = await loadTranscriber(values);
  for (const [i, file] of positionals.entries()) await transcribeOne(transcriber, file, values, positionals.length > 1, results?.[i]);
  return 0;
}

/** Fails fast, before loading a model that may take a minute, on inputs that do not exist. */
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
  if (several && !values.output) process.stdout.write(`==> ${file} <==\n`);
  let result: TranscriptionResult;
  if (values.stream) {
    result = await transcriber.transcribe(file, { ...options, onToken: (piece) => process.stdout.write(piece) });
    process.stdout.write("\n");
  } else {
    result = await transcriber.transcribe(file, options);
  }
  for (const warning of result.warnings) process.stderr.write(`mlx-asr: warning: ${warning}\n`);
  let transcript: TranscriptionResult = result;
  if (values.translate) {
    const translated = await transcriber.translateTranscript(result);
    if (values.stream) process.stdout.write(`${translated.translation.text}\n`);
    transcript = translated;
  }
  const formatted = formatTranscript(transcript, values.format, { bilingual: values.translate });
  if (resultFile) {
    writeFileAtomic(resultFile, formatted);
    process.stderr.write(`${resultFile}\n`);
  } else if (!values.stream) {
    process.stdout.write(formatted.endsWith("\n") ? formatted : `${formatted}\n`);
  }
}
