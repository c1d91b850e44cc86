/**
 * Paraformer-zh benchmark at paraformer-large's real shapes: the time to load the
 * release (model.pt converted once into the cache, then found there), and for 30 s
 * of audio each stage (front end, encoder, predictor, decoder + best tokens, text and
 * times) and the whole `Transcriber.transcribe` call. Reports medians and minimums
 * of wall time, and the process's CPU time of the whole call: on a shared machine
 * the CPU time (with BLIS_NUM_THREADS=1) says what one idle core would take. Asserts nothing. Without --model, a release with random weights is written first
 * (scripts/synthetic/paraformer-release.ts).
 *
 * With --live, the same audio then goes through a live session instead, fed a
 * second at a time as a microphone would (each piece waits for its pass): every
 * pass's time, median and worst, and the real-time factor.
 *
 *   bun scripts/bench-paraformer.ts [--model DIR] [--audio FILE] [--seconds 30] [--runs N] [--live]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadAudio } from "../src/audio/load";
import { mx } from "../src/engine/mlx";
import { locateModelFiles } from "../src/pipeline/model-files";
import type { CifRecognizer } from "../src/pipeline/recognizers/cif";
import { Transcriber } from "../src/pipeline/transcriber";
import { releaseMemory } from "../src/runtime";
import { writeParaformerRelease } from "./synthetic/paraformer-release";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { model: { type: "string" }, audio: { type: "string" }, seconds: { type: "string" }, runs: { type: "string" }, live: { type: "boolean" } },
});
const runs = Number(values.runs ?? 3);
const seconds = Number(values.seconds ?? 30);

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

function summary(ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  return `median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} ms, min ${sorted[0]!.toFixed(0)} ms`;
}

async function liveSession(transcriber: Transcriber, input: Float32Array): Promise<void> {
  const live = transcriber.live();
  const started = cpuMs();
  for (let at = 0; at < input.length; at += 16000) {
    live.feed(input.subarray(at, at + 16000), 16000);
    await live.drain();
  }
  const result = await live.finish();
  const cpu = cpuMs() - started;
  const times = live.chunks.map((c) => c.processingMs).sort((a, b) => a - b);
  process.stdout.write(
    `live, ${seconds} s fed a second at a time: ${times.length} passes, median ${times[Math.floor(times.length / 2)]!.toFixed(0)} ms, worst ${times.at(-1)!.toFixed(0)} ms wall; ` +
      `${(cpu / times.length).toFixed(0)} ms CPU per pass on average; real-time factor ${result.timings.realTimeFactor.toFixed(2)}; ${[...result.text].length} characters, ${result.segments.length} segments\n`,
  );
}

const scratch = values.model ? null : mkdtempSync(join(tmpdir(), "mlx-asr-bench-paraformer-"));
const modelDir = values.model ?? writeParaformerRelease(join(scratch!, "release"));
try {
  process.stdout.write(`load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}, ${navigator.hardwareConcurrency} cores\n`);
  let t0 = performance.now();
  locateModelFiles(modelDir);
  process.stdout.write(`locate the release (model.pt converted into the cache, or found there by its sha256): ${(performance.now() - t0).toFixed(0)} ms\n`);
  t0 = performance.now();
  const transcriber = await Transcriber.load(modelDir);
  process.stdout.write(`load (locate again + build the networks): ${(performance.now() - t0).toFixed(0)} ms\n`);
  const recognizer = transcriber.model.recognizer as CifRecognizer;

  const audio = values.audio ? loadAudio(values.audio) : null;
  const samples = audio ? audio.samples.index(mx.Slice(0, seconds * 16000)) : mx.multiply(mx.random.normal([seconds * 16000], mx.float32, 0, 1, mx.random.key(3)), 0.05);
  mx.eval(samples);
  const input = new Float32Array(samples.tolist() as number[]);
  if (values.live) {
    await liveSession(transcriber, input);
    process.exit(0);
  }
  const stages: Record<string, number[]> = { features: [], encoder: [], predictor: [], "decoder + best tokens": [], "text + times": [], "stages total": [], "transcribe()": [], "transcribe() CPU": [] };
  let tokens = 0;
  for (let run = 0; run <= runs; run++) {
    await releaseMemory();
    const marks = [performance.now()];
    const { features, lengths } = recognizer.features.extract([samples]);
    marks.push(performance.now());
    const encoded = recognizer.encoder.encode(features, lengths);
    mx.eval(encoded.frames);
    marks.push(performance.now());
    const predicted = recognizer.predictor.predict(encoded.frames, encoded.lengths);
    marks.push(performance.now());
    const counts = predicted.members.map((m) => m.tokenCount);
    const logits = recognizer.decoder.decode(predicted.embeddings, counts, encoded.frames, encoded.lengths);
    const best = mx.argmax(logits, -1).astype(mx.int32);
    mx.eval(best);
    marks.push(performance.now());
    const out = recognizer.transcript({ firing: predicted.members[0]!, best: best.index(0).tolist() as number[] });
    marks.push(performance.now());
    tokens = counts[0]!;
    await releaseMemory();
    const [started, startedCpu] = [performance.now(), cpuMs()];
    const result = await transcriber.transcribe(input);
    const [whole, wholeCpu] = [performance.now() - started, cpuMs() - startedCpu];
    if (run === 0) {
      process.stdout.write(`${seconds} s of audio: ${encoded.frames.shape[1]} encoder frames, ${tokens} tokens, ${result.segments.length} segment(s), ${out.words.length} timed words (warm-up run not counted)\n`);
      continue;
    }
    Object.keys(stages).slice(0, 5).forEach((name, i) => stages[name]!.push(marks[i + 1]! - marks[i]!));
    stages["stages total"]!.push(marks[5]! - marks[0]!);
    stages["transcribe()"]!.push(whole);
    stages["transcribe() CPU"]!.push(wholeCpu);
  }
  for (const [name, ms] of Object.entries(stages)) process.stdout.write(`  ${name.padEnd(22)} ${summary(ms)}\n`);
  process.stdout.write(`load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}\n`);
} finally {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}
