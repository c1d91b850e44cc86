/**
 * A live session timed pass by pass: a recording fed in chunks, each decoded
 * before the next is fed (as a machine that keeps up would see them), through the
 * family's live settings; each pass's own figures (encoder, prefill, decode, the
 * prompt positions prefilled and reused) and the process's CPU time over it.
 */
import { join } from "node:path";
import { loadAudio, MODEL_SAMPLE_RATE } from "../../src/audio/load";
import { toFloat32Array } from "../../src/engine/transfer";
import type { LiveChunkStats } from "../../src/pipeline/live/live-session";
import { liveSettings } from "../../src/pipeline/live/live-settings";
import { PromptedLiveSession } from "../../src/pipeline/live/prompted-live-session";
import type { LlmPromptedRecognizer } from "../../src/pipeline/recognizers/llm-prompted";
import { statsOf } from "./measure";

const SPEECH_FIXTURE = join(import.meta.dir, "..", "..", "test", "fixtures", "audio", "zh_16k.wav");

/** `seconds` of speech at 16 kHz: `file` (default: a fixture utterance) repeated, 1 s of silence between copies. */
export function speechRecording(seconds: number, file = SPEECH_FIXTURE): Float32Array {
  const speech = toFloat32Array(loadAudio(file).samples);
  const out = new Float32Array(Math.round(seconds * MODEL_SAMPLE_RATE));
  for (let at = 0; at < out.length; at += speech.length + MODEL_SAMPLE_RATE) out.set(speech.subarray(0, Math.min(speech.length, out.length - at)), at);
  return out;
}

/** One pass: the session's own figures and the process's CPU time (user + system, all threads) over it. */
export interface LivePass extends LiveChunkStats {
  readonly cpuMs: number;
}

export interface LiveRun {
  readonly settings: ReturnType<typeof liveSettings>;
  readonly passes: readonly LivePass[];
}

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Feeds `samples` (16 kHz) chunk by chunk, waiting for each pass, then finishes; `onPass` sees each pass as it ends. */
export async function runLiveSession(recognizer: LlmPromptedRecognizer, samples: Float32Array, onPass?: (pass: LivePass) => void): Promise<LiveRun> {
  const settings = liveSettings(recognizer.recipe);
  const passes: LivePass[] = [];
  const session: PromptedLiveSession = new PromptedLiveSession(recognizer, {
    request: { task: "transcribe", language: "en", hotwords: [] },
    settings,
    warnings: [],
    exclusive: async (job) => {
      const c0 = cpuMs();
      const out = await job();
      const pass = { ...session.chunks[session.chunks.length - 1]!, cpuMs: cpuMs() - c0 };
      passes.push(pass);
      onPass?.(pass);
      return out;
    },
  });
  const chunk = Math.round(settings.chunkSeconds * MODEL_SAMPLE_RATE);
  for (let at = 0; at < samples.length; at += chunk) {
    session.feed(samples.subarray(at, at + chunk), MODEL_SAMPLE_RATE);
    await session.drain();
  }
  await session.finish();
  return { settings, passes };
}

export interface Spread {
  readonly median: number;
  readonly worst: number;
  /** 1-based number of the chunk with the worst figure. */
  readonly worstChunk: number;
}

function spreadOf(values: readonly number[]): Spread {
  const worst = Math.max(...values);
  return { median: statsOf(values).median, worst, worstChunk: values.indexOf(worst) + 1 };
}

/** The chunks' figures: the passes that took in a chunk (the last pass, with nothing new to decode, left out). */
export interface LiveSummary {
  readonly chunks: number;
  readonly wallMs: Spread;
  readonly cpuMs: Spread;
  readonly encoderMs: Spread;
  readonly prefillMs: Spread;
  readonly decodeMs: Spread;
  readonly tokens: Spread;
  /** Prompt positions each pass prefilled, and of the prompt those kept from the pass before. */
  readonly prefilledPositions: Spread;
  readonly reusedPositions: Spread;
  /** All processing of the session (the last pass included) ÷ the audio. */
  readonly realTimeFactor: number;
}

export function summarizeLive(run: LiveRun): LiveSummary {
  const chunks = run.passes.filter((p) => !p.final);
  const of = (pick: (p: LivePass) => number) => spreadOf(chunks.map(pick));
  return {
    chunks: chunks.length,
    wallMs: of((p) => p.processingMs),
    cpuMs: of((p) => p.cpuMs),
    encoderMs: of((p) => p.encoderMs),
    prefillMs: of((p) => p.prefillMs),
    decodeMs: of((p) => p.decodeMs),
    tokens: of((p) => p.tokens),
    prefilledPositions: of((p) => p.promptPositions - p.reusedPositions),
    reusedPositions: of((p) => p.reusedPositions),
    realTimeFactor: run.passes.at(-1)?.realTimeFactor ?? NaN,
  };
}
