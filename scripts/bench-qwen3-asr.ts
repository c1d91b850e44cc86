/**
 * Qwen3-ASR-0.6B at its real shapes with random weights (float32 on the CPU): the
 * AuT encoder + projector over 30 s of log-mel frames, and decode ms/token at a
 * context of 512 positions (a prefilled KV cache, as the benchmark's decode rows).
 * Wall time and the process's CPU time are both printed: on a shared machine the
 * CPU time (with BLIS_NUM_THREADS=1) says what one idle core would take.
 *
 *   bun scripts/bench-qwen3-asr.ts [--runs N] [--tokens N] [--size 0.6b|1.7b]
 */
import { parseArgs } from "node:util";
import { QWEN3_ASR_0_6B_PROJECTOR, QWEN3_ASR_1_7B_PROJECTOR, QWEN3_ASR_PROJECTOR, qwen3AsrProjectorTensors } from "../adaptor/qwen3-asr-projector";
import { mx } from "../src/engine/mlx";
import { QWEN3_ASR_0_6B_TEXT, QWEN3_ASR_1_7B_TEXT } from "../src/families/qwen3-asr";
import { AUT_ENCODER, autEncoderTensors, QWEN3_ASR_0_6B_AUDIO, QWEN3_ASR_1_7B_AUDIO } from "../src/models/aut-encoder";
import { Qwen3Decoder, qwen3Tensors } from "../src/models/qwen3-decoder";
import type { AudioAdaptor, AudioEncoder } from "../src/nn/parts";
import { decodeTokens } from "../src/pipeline/generate";
import { releaseMemory } from "../src/runtime";
import { withPrefilledCache } from "./bench/prefilled-cache";
import { randomWeights } from "./bench/random-weights";

const { values } = parseArgs({ options: { runs: { type: "string" }, tokens: { type: "string" }, size: { type: "string" } } });
const runs = Number(values.runs ?? 3);
const tokens = Number(values.tokens ?? 32);
const large = values.size === "1.7b";
const audio = large ? QWEN3_ASR_1_7B_AUDIO : QWEN3_ASR_0_6B_AUDIO;
const projector = large ? QWEN3_ASR_1_7B_PROJECTOR : QWEN3_ASR_0_6B_PROJECTOR;
const text = large ? QWEN3_ASR_1_7B_TEXT : QWEN3_ASR_0_6B_TEXT;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const encoder = (await AUT_ENCODER.build(audio, randomWeights(autEncoderTensors(audio), 1), { configSource: "random" })) as AudioEncoder;
const adaptor = (await QWEN3_ASR_PROJECTOR.build(projector, randomWeights(qwen3AsrProjectorTensors(projector), 2), { configSource: "random" })) as AudioAdaptor;
const frames = 3000;
const features = mx.random.normal([1, frames, 128], mx.float32, 0, 1, mx.random.key(3));
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const encoderMs: number[] = [];
const encoderCpuMs: number[] = [];
for (let i = 0; i <= runs; i++) {
  const [t0, c0] = [performance.now(), cpuMs()];
  const encoded = encoder.encode(features, [frames]);
  const rows = adaptor.adapt(encoded.frames, encoded.lengths).frames;
  mx.eval(rows);
  if (i > 0) {
    encoderMs.push(performance.now() - t0);
    encoderCpuMs.push(cpuMs() - c0);
  }
  await releaseMemory();
}
const list = (xs: number[], digits = 0) => xs.map((m) => m.toFixed(digits)).join(", ");
console.log(`encoder + projector, 30 s (${frames} frames → ${encoder.frameCount(frames)} rows): median ${median(encoderMs).toFixed(0)} ms wall [${list(encoderMs)}], ${median(encoderCpuMs).toFixed(0)} ms CPU [${list(encoderCpuMs)}] over ${runs} runs`);

const decoder = await Qwen3Decoder.build(text, randomWeights(qwen3Tensors(text), 4), "random");
const atContext = withPrefilledCache(decoder, 512);
const stepMs: number[] = [];
const stepCpuMs: number[] = [];
for (let r = 0; r < runs; r++) {
  const start = decoder.embed(mx.array([[151644]], mx.int32));
  let [first, firstCpu] = [0, 0];
  let count = 0;
  for await (const _ of decodeTokens(atContext, start, { maxTokens: tokens + 1, stopIds: new Set(), sampling: { temperature: 0 } })) {
    if (count++ === 0) [first, firstCpu] = [performance.now(), cpuMs()];
  }
  stepMs.push((performance.now() - first) / (count - 1));
  stepCpuMs.push((cpuMs() - firstCpu) / (count - 1));
  await releaseMemory();
}
console.log(`decode at context 512: median ${median(stepMs).toFixed(1)} ms/token wall [${list(stepMs, 1)}], ${median(stepCpuMs).toFixed(1)} ms/token CPU [${list(stepCpuMs, 1)}] over ${runs} runs of ${tokens} tokens`);
