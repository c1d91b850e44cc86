/**
 * Row `live`: Qwen3-ASR live transcription at the release's real shapes with
 * random weights made in memory — a recording of speech fed in the family's 2 s
 * chunks, each decoded before the next is fed — per chunk: wall and CPU time
 * (median and worst), the encoder/prefill/decode split, the prompt positions
 * prefilled and reused, and the session's real-time factor. A short session
 * first compiles and warms the kernels. Random weights mostly stop after a token
 * or two per chunk, so decoding is the light case (`tokens_per_chunk` says how light).
 */
import { MODEL_SAMPLE_RATE } from "../../../src/audio/load";
import { releaseMemory } from "../../../src/runtime";
import { runLiveSession, speechRecording, summarizeLive, type Spread } from "../live-run";
import { log, peakRssBytes } from "../measure";
import type { LiveModelId } from "../models";
import { randomQwen3AsrRecognizer, type Qwen3AsrSize } from "../random-qwen3-asr";
import type { RowResult, RunSettings } from "../tasks";

const SIZES: Readonly<Record<LiveModelId, Qwen3AsrSize>> = { "qwen3-asr-0.6b": "0.6b" };
const WARM_UP_SECONDS = 4;

const figures = (s: Spread) => ({ median: s.median, worst: s.worst, worst_chunk: s.worstChunk });

export async function liveRow(id: LiveModelId, seconds: number, settings: RunSettings): Promise<RowResult> {
  const recognizer = await randomQwen3AsrRecognizer({ size: SIZES[id], small: settings.small });
  const recording = speechRecording(seconds);
  await runLiveSession(recognizer, recording.subarray(0, WARM_UP_SECONDS * MODEL_SAMPLE_RATE));
  await releaseMemory();
  const run = await runLiveSession(recognizer, recording, (c) =>
    log(`chunk ${c.index + 1} to ${c.audioSeconds.toFixed(1)} s: ${c.processingMs.toFixed(0)} ms wall, ${c.cpuMs.toFixed(0)} ms CPU${c.final ? " (final)" : ""}`),
  );
  const summary = summarizeLive(run);
  const chunkSeconds = run.settings.chunkSeconds;
  const wallSeconds = run.passes.filter((p) => !p.final).map((p) => p.processingMs / 1000);
  return {
    name: "live",
    model: id,
    weights: "float32",
    recording_seconds: seconds,
    chunk_seconds: chunkSeconds,
    settings: run.settings,
    chunks: summary.chunks,
    median_s: summary.wallMs.median / 1000,
    min_s: Math.min(...wallSeconds),
    samples: wallSeconds,
    chunk_wall_ms: figures(summary.wallMs),
    chunk_cpu_ms: figures(summary.cpuMs),
    chunk_encoder_ms: figures(summary.encoderMs),
    chunk_prefill_ms: figures(summary.prefillMs),
    chunk_decode_ms: figures(summary.decodeMs),
    tokens_per_chunk: figures(summary.tokens),
    prefilled_positions: figures(summary.prefilledPositions),
    reused_positions: figures(summary.reusedPositions),
    keeps_up: summary.wallMs.median < chunkSeconds * 1000,
    rtf: summary.realTimeFactor,
    peak_rss_bytes: peakRssBytes(),
  };
}
