/**
 * Live transcription with Qwen3-ASR at its real shapes and random weights (float32
 * on the CPU): a recording fed in 2 s chunks, each decoded before the next is fed
 * (as a machine that keeps up would see them), through the family's live settings.
 * Prints every chunk's processing time (encoder, prefill, decode), then the median
 * and the worst. Random weights mostly stop after a token or two; `--no-stop` takes
 * the stop tokens away, so every chunk generates its limit of new tokens (unless the
 * repetition guard stops it): the worst case of decoding. `bun run bench --only live`
 * runs the same as a row of the benchmark. `--small` cuts the encoder and the text
 * model to one layer: a quick check that it runs.
 *
 *   MLX_ASR_DEVICE=cpu BLIS_NUM_THREADS=1 bun scripts/bench-live.ts [--seconds 60] [--size 0.6b|1.7b] [--audio file.wav] [--no-stop] [--small]
 */
import { parseArgs } from "node:util";
import { liveSettings } from "../src/pipeline/live/live-settings";
import { runLiveSession, speechRecording, summarizeLive, type Spread } from "./bench/live-run";
import { randomQwen3AsrRecognizer } from "./bench/random-qwen3-asr";

const { values } = parseArgs({ options: { seconds: { type: "string" }, size: { type: "string" }, audio: { type: "string" }, "no-stop": { type: "boolean" }, small: { type: "boolean" } } });
const seconds = Number(values.seconds ?? 60);
const size = values.size === "1.7b" ? "1.7b" : "0.6b";
const recognizer = await randomQwen3AsrRecognizer({ size, noStop: values["no-stop"], small: values.small });
const samples = speechRecording(seconds, values.audio);

const settings = liveSettings(recognizer.recipe);
console.log(`${size.toUpperCase()}${values.small ? " (one layer each)" : ""} float32, random weights; ${seconds} s fed in ${settings.chunkSeconds} s chunks; settings ${JSON.stringify(settings)}${values["no-stop"] ? "; no stop tokens" : ""}`);
const run = await runLiveSession(recognizer, samples, (c) => {
  console.log(
    `chunk ${String(c.index + 1).padStart(2)} to ${c.audioSeconds.toFixed(1).padStart(5)} s: ${c.processingMs.toFixed(0).padStart(6)} ms wall, ${c.cpuMs.toFixed(0).padStart(6)} ms CPU ` +
      `(encoder ${c.encoderMs.toFixed(0)}, prefill ${c.prefillMs.toFixed(0)} (${c.promptPositions - c.reusedPositions} of ${c.promptPositions} positions), decode ${c.decodeMs.toFixed(0)} ms, ${c.tokens} tokens)${c.final ? " final" : ""}`,
  );
});
const summary = summarizeLive(run);
const spread = (s: Spread) => `median ${s.median.toFixed(0)} ms, worst ${s.worst.toFixed(0)} ms (chunk ${s.worstChunk})`;
const chunkSeconds = settings.chunkSeconds;
console.log(`per ${chunkSeconds} s chunk over ${seconds} s, wall: ${spread(summary.wallMs)}; real-time factor ${summary.realTimeFactor.toFixed(2)}`);
console.log(`per ${chunkSeconds} s chunk over ${seconds} s, CPU:  ${spread(summary.cpuMs)}`);
