/**
 * Live transcription with Qwen3-ASR at its real shapes and random weights (float32
 * on the CPU): a recording fed in 2 s chunks, each decoded before the next is fed
 * (as a machine that keeps up would see them), through the family's live settings.
 * Prints every chunk's processing time (encoder, prefill, decode), then the median
 * and the worst. Random weights mostly stop after a token or two; `--no-stop` takes
 * the stop tokens away, so every chunk generates its limit of new tokens (unless the
 * repetition guard stops it): the worst case of decoding.
 *
 *   MLX_ASR_DEVICE=cpu BLIS_NUM_THREADS=1 bun scripts/bench-live.ts [--seconds 60] [--size 0.6b|1.7b] [--audio file.wav] [--no-stop]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { QWEN3_ASR_0_6B_PROJECTOR, QWEN3_ASR_1_7B_PROJECTOR, QWEN3_ASR_PROJECTOR, qwen3AsrProjectorTensors } from "../adaptor/qwen3-asr-projector";
import { loadAudio } from "../src/audio/load";
import { mx, type Tensor } from "../src/engine/mlx";
import { toFloat32Array } from "../src/engine/transfer";
import { CheckpointIndex } from "../src/engine/weights";
import type { LanguageModelComponent, LlmPromptedRecipe, LocatedModel } from "../src/families/family";
import { QWEN3_ASR, QWEN3_ASR_0_6B_TEXT, QWEN3_ASR_1_7B_TEXT } from "../src/families/qwen3-asr";
import { AUT_ENCODER, autEncoderTensors, QWEN3_ASR_0_6B_AUDIO, QWEN3_ASR_1_7B_AUDIO } from "../src/models/aut-encoder";
import { Qwen3Decoder, qwen3Tensors } from "../src/models/qwen3-decoder";
import { NetworkWeights } from "../src/nn/network";
import type { AudioAdaptor, AudioEncoder } from "../src/nn/parts";
import { PromptedLiveSession } from "../src/pipeline/live/prompted-live-session";
import { liveSettings } from "../src/pipeline/live/live-settings";
import { LlmPromptedRecognizer } from "../src/pipeline/recognizers/llm-prompted";
import type { TextModel } from "../src/pipeline/text-model";
import { TextTokenizer } from "../src/pipeline/tokenizer";
import { defaultStd } from "./synthetic/checkpoint";

const { values } = parseArgs({ options: { seconds: { type: "string" }, size: { type: "string" }, audio: { type: "string" }, "no-stop": { type: "boolean" } } });
const seconds = Number(values.seconds ?? 60);
const large = values.size === "1.7b";
const audioConfig = large ? QWEN3_ASR_1_7B_AUDIO : QWEN3_ASR_0_6B_AUDIO;
const projector = large ? QWEN3_ASR_1_7B_PROJECTOR : QWEN3_ASR_0_6B_PROJECTOR;
const textConfig = large ? QWEN3_ASR_1_7B_TEXT : QWEN3_ASR_0_6B_TEXT;
const recipe = QWEN3_ASR.recipe as LlmPromptedRecipe;

/** Random weights for `shapes` under canonical names (norm weights near 1). */
function randomWeights(shapes: Map<string, number[]>, seed: number): NetworkWeights {
  let key = mx.random.key(seed);
  const tensors: Record<string, Tensor> = {};
  const entries = new Map<string, { shape: number[]; dtype: string; file: string }>();
  for (const [name, shape] of shapes) {
    const keys = mx.random.split(key, 2);
    key = keys.index(0);
    const noise = mx.multiply(mx.random.normal(shape, mx.float32, 0, 1, keys.index(1)), defaultStd(shape));
    tensors[name] = /norm/.test(name) && shape.length === 1 ? mx.add(noise, 1) : noise;
    entries.set(name, { shape, dtype: "F32", file: "random" });
  }
  return new NetworkWeights(new CheckpointIndex(["random"], entries), tensors);
}

/** `seconds` of speech: the fixture repeated, 1 s of silence between copies. */
function recording(file: string): Float32Array {
  const speech = toFloat32Array(loadAudio(file).samples);
  const out = new Float32Array(Math.round(seconds * 16000));
  for (let at = 0; at < out.length; at += speech.length + 16000) out.set(speech.subarray(0, Math.min(speech.length, out.length - at)), at);
  return out;
}

const encoder = (await AUT_ENCODER.build(audioConfig, randomWeights(autEncoderTensors(audioConfig), 1), { configSource: "random" })) as AudioEncoder;
const adaptor = (await QWEN3_ASR_PROJECTOR.build(projector, randomWeights(qwen3AsrProjectorTensors(projector), 2), { configSource: "random" })) as AudioAdaptor;
const llm = await Qwen3Decoder.build(textConfig, randomWeights(qwen3Tensors(textConfig), 4), "random");
const tokenizerDir = mkdtempSync(join(tmpdir(), "mlx-asr-bench-live-"));
const decoderComponent = QWEN3_ASR.components.find((c) => c.role === "decoder") as LanguageModelComponent;
decoderComponent.writeTinyTokenizer(tokenizerDir);
const tokenizer = TextTokenizer.load(tokenizerDir);
rmSync(tokenizerDir, { recursive: true, force: true });
/** Random weights have no files; a NaN found in them is reported against this name. */
const files: LocatedModel = { root: "(random weights)", family: QWEN3_ASR, frontendDir: null, tokenizerDir };
const text: TextModel = {
  llm,
  files,
  tokenizer,
  recipe,
  stopIds: new Set(values["no-stop"] ? [] : recipe.stopTokens.map((t) => tokenizer.idOf(t)!)),
  audioPlaceholderId: tokenizer.idOf(recipe.audioPlaceholder!)!,
};
const recognizer = new LlmPromptedRecognizer(QWEN3_ASR.features.load(null), encoder, adaptor, text, recipe, files);
const settings = liveSettings(recipe);
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
/** The process's CPU time of each pass (with BLIS_NUM_THREADS=1: what one idle core would take). */
const passCpuMs: number[] = [];
const session = new PromptedLiveSession(recognizer, {
  request: { task: "transcribe", language: "en", hotwords: [] },
  settings,
  warnings: [],
  exclusive: async (job) => {
    const c0 = cpuMs();
    const out = await job();
    passCpuMs.push(cpuMs() - c0);
    const c = session.chunks[session.chunks.length - 1]!;
    console.log(
      `chunk ${String(c.index + 1).padStart(2)} to ${c.audioSeconds.toFixed(1).padStart(5)} s: ${c.processingMs.toFixed(0).padStart(6)} ms wall, ${passCpuMs.at(-1)!.toFixed(0).padStart(6)} ms CPU ` +
        `(encoder ${c.encoderMs.toFixed(0)}, prefill ${c.prefillMs.toFixed(0)} (${c.promptPositions - c.reusedPositions} of ${c.promptPositions} positions), decode ${c.decodeMs.toFixed(0)} ms, ${c.tokens} tokens)${c.final ? " final" : ""}`,
    );
    return out;
  },
});

const samples = recording(values.audio ?? join(import.meta.dir, "..", "test", "fixtures", "audio", "zh_16k.wav"));
const chunk = Math.round(settings.chunkSeconds * 16000);
console.log(`${large ? "1.7B" : "0.6B"} float32, random weights; ${seconds} s fed in ${settings.chunkSeconds} s chunks; settings ${JSON.stringify(settings)}${values["no-stop"] ? "; no stop tokens" : ""}`);
for (let at = 0; at < samples.length; at += chunk) {
  session.feed(samples.subarray(at, at + chunk), 16000);
  await session.drain();
}
await session.finish();
/** Median and worst of the chunks' figures (the last pass, with nothing new to decode, left out), and the worst chunk's number. */
function spread(xs: readonly number[]): string {
  const sorted = [...xs].sort((a, b) => a - b);
  const worst = xs.indexOf(sorted[sorted.length - 1]!);
  return `median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} ms, worst ${sorted[sorted.length - 1]!.toFixed(0)} ms (chunk ${worst + 1})`;
}
const chunks = session.chunks.filter((c) => !c.final);
console.log(`per ${settings.chunkSeconds} s chunk over ${seconds} s, wall: ${spread(chunks.map((c) => c.processingMs))}; real-time factor ${session.chunks.at(-1)!.realTimeFactor.toFixed(2)}`);
console.log(`per ${settings.chunkSeconds} s chunk over ${seconds} s, CPU:  ${spread(passCpuMs.slice(0, chunks.length))}`);
