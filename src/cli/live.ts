/**
 * `transcribe --live -|mic`: live transcription of standard input (a WAV stream,
 * or bare 16 kHz mono s16le with --raw) or of the default microphone (through
 * ffmpeg). Text is shown as it is committed (see live-display.ts); the end of the
 * input or Ctrl-C finishes the session and the final transcript is written in
 * --format; a second Ctrl-C abandons it. --verbose prints every chunk's processing
 * time and the running real-time factor.
 */
import { join } from "node:path";
import { ByteStreamReader } from "../audio/byte-stream";
import { streamSource, type LiveAudioSource } from "../audio/live/live-source";
import { captureProgram, MICROPHONE, openMicrophone } from "../audio/live/microphone";
import { AudioError, CancelledError, EXIT_STATUS, UsageError } from "../errors";
import { formatTranscript } from "../formats";
import { OUTPUT_FILE_EXTENSIONS } from "../formats/transcript";
import type { LiveChunkStats } from "../pipeline/live/live-session";
import { transcribeOptions, type DecodeOptionValues } from "./decode-options";
import { LiveDisplay } from "./live-display";
import { loadTranscriber } from "./model-option";
import { writeFileAtomic } from "./output-files";

export interface LiveValues extends DecodeOptionValues {
  readonly live?: string;
  readonly raw?: boolean;
  readonly verbose?: boolean;
  readonly stream?: boolean;
}

export const LIVE_OPTION_HELP = `  --live -|mic                          live transcription of standard input (a WAV stream) or of the default
                                        microphone (needs ffmpeg); Ctrl-C or the end of the input finishes it
  --raw                                 with --live -: the input is bare 16 kHz mono s16le samples
  --verbose                             with --live: each chunk's processing time and the real-time factor
`;

/** Refuses what cannot go with --live before anything is loaded. */
function checkLiveArguments(values: LiveValues, positionals: readonly string[]): "stdin" | "mic" {
  const which = values.live === "-" ? "stdin" : values.live === "mic" ? "mic" : null;
  if (!which) throw new UsageError("BAD_ARGUMENTS", "transcribe --live", `takes - (standard input) or mic, not "${values.live}"`);
  if (positionals.length > 0) throw new UsageError("BAD_ARGUMENTS", "transcribe --live", "reads standard input or the microphone; leave out the audio files");
  if (values.raw && which !== "stdin") throw new UsageError("BAD_ARGUMENTS", "transcribe --raw", "describes standard input; use it with --live -");
  if (values.stream) throw new UsageError("BAD_ARGUMENTS", "transcribe --live", "shows text as it comes already; leave out --stream");
  if (values.translate || values.task === "translate") throw new UsageError("BAD_ARGUMENTS", "transcribe --live", "transcribes only; leave out --translate and --task translate");
  return which;
}

function chunkLine(chunk: LiveChunkStats): string {
  const ms = (x: number) => x.toFixed(0);
  const behind = chunk.realTimeFactor > 1 ? " (not keeping up)" : "";
  return (
    `live: chunk ${chunk.index + 1} to ${chunk.audioSeconds.toFixed(1)} s: ${ms(chunk.processingMs)} ms for ${chunk.newSeconds.toFixed(1)} s of audio ` +
    `(encoder ${ms(chunk.encoderMs)}, prefill ${ms(chunk.prefillMs)}, decode ${ms(chunk.decodeMs)} ms, ${chunk.tokens} tokens); ` +
    `real-time factor so far ${chunk.realTimeFactor.toFixed(2)}${behind}`
  );
}

function summaryLine(chunks: readonly LiveChunkStats[]): string {
  const times = chunks.map((c) => c.processingMs).sort((a, b) => a - b);
  if (times.length === 0) return "live: no audio was decoded";
  const median = times[Math.floor(times.length / 2)]!;
  const last = chunks[chunks.length - 1]!;
  return `live: ${times.length} chunks, median ${median.toFixed(0)} ms, worst ${times[times.length - 1]!.toFixed(0)} ms; real-time factor ${last.realTimeFactor.toFixed(2)}`;
}

async function openSource(which: "stdin" | "mic", raw: boolean): Promise<LiveAudioSource> {
  if (which === "mic") return openMicrophone();
  const stdin = process.stdin;
  return streamSource(new ByteStreamReader(stdin as AsyncIterable<Uint8Array>), "<stdin>", { raw, close: () => void stdin.destroy() });
}

export async function runLive(values: LiveValues, positionals: readonly string[]): Promise<number> {
  const which = checkLiveArguments(values, positionals);
  // What the microphone needs is said before a model that may take a minute is loaded.
  if (which === "mic") captureProgram();
  const transcriber = await loadTranscriber(values);
  const options = transcribeOptions(values);
  const display = new LiveDisplay(process.stdout, process.stdout.isTTY === true, process.stderr);
  const abandon = new AbortController();
  const session = transcriber.live({
    language: options.language,
    hotwords: options.hotwords,
    signal: abandon.signal,
    source: which === "mic" ? MICROPHONE : "<stdin>",
    onUpdate: ({ added, tentative, chunk }) => {
      display.update(added, tentative);
      if (values.verbose) display.note(chunkLine(chunk));
    },
  });
  const source = await openSource(which, values.raw === true);
  // Ctrl-C ends the input and finishes the session; a second one abandons it.
  const stopInput = new AbortController();
  const interrupt = () => (stopInput.signal.aborted ? abandon.abort() : stopInput.abort());
  process.on("SIGINT", interrupt);
  let samples = 0;
  try {
    for await (const block of source.blocks(stopInput.signal)) {
      session.feed(block.samples, block.sampleRate);
      samples += block.samples.length;
    }
    await source.close();
    if (samples === 0 && !stopInput.signal.aborted) throw new AudioError("AUDIO_EMPTY", source.name, "contains no samples");
    const result = await session.finish();
    display.end();
    for (const warning of result.warnings) process.stderr.write(`mlx-asr: warning: ${warning}\n`);
    if (values.verbose) process.stderr.write(`${summaryLine(session.chunks)}\n`);
    const formatted = formatTranscript(result, values.format);
    if (values.output) {
      const file = join(values.output, `${which === "mic" ? MICROPHONE : "stdin"}${OUTPUT_FILE_EXTENSIONS[values.format]}`);
      writeFileAtomic(file, formatted);
      process.stderr.write(`${file}\n`);
    } else if (!(display.terminal && values.format === "txt")) {
      process.stdout.write(formatted.endsWith("\n") ? formatted : `${formatted}\n`);
    }
    return 0;
  } catch (e) {
    display.end();
    if (e instanceof CancelledError && abandon.signal.aborted) {
      process.stderr.write("mlx-asr: live transcription abandoned\n");
      return EXIT_STATUS.cancelled;
    }
    throw e;
  } finally {
    process.off("SIGINT", interrupt);
    await source.close();
  }
}
