/**
 * Row `end_to_end`: 30 s of audio (a waveform tensor in memory) through one
 * family at its real shapes — front end, encoder, adaptor (`embedAudio`, the
 * library's own path), the audio injected into a prompt of the family's length,
 * float32 prefill, then exactly 100 greedy tokens from `decodeTokens` with no
 * stop ids. The families our side runs are OUR_END_TO_END (models.ts); the
 * others' rows run the peers only until their family lands.
 */
import { join } from "node:path";
import { NANO_ADAPTOR, type NanoAdaptor } from "../../../adaptor/nano-adaptor";
import type { FeatureExtractor } from "../../../src/audio/features/feature-extractor";
import { AudioFrontend } from "../../../src/audio/features/funasr-frontend";
import { mx, type Tensor } from "../../../src/engine/mlx";
import type { Qwen3Decoder } from "../../../src/models/qwen3-decoder";
import { loadNetwork } from "../../../src/nn/network";
import type { AudioAdaptor, AudioEncoder } from "../../../src/nn/parts";
import { decodeTokens } from "../../../src/pipeline/generate";
import { injectAudio } from "../../../src/pipeline/injection";
import { GREEDY } from "../../../src/pipeline/sampling";
import { benchFrontend, speechLikeWaveform } from "../audio";
import { writeDecoderCheck, writeEncoderCheck, writeNanoCheck } from "../cross-check";
import { loadAdaptor, loadDecoder, loadEncoder } from "../load";
import { measure, peakRssBytes, statsOf } from "../measure";
import { benchModels, componentDir, NANO_ADAPTOR_FILE, OUR_END_TO_END, type EndToEndId, type OurEndToEndId } from "../models";
import { END_TO_END_AUDIO_SECONDS, type RowResult, type RunSettings } from "../tasks";

const WARM_UP_TOKENS = 2;

interface AudioStack {
  readonly features: FeatureExtractor;
  readonly encoder: AudioEncoder;
  readonly adaptor: AudioAdaptor;
}

interface Pipeline {
  readonly stack: AudioStack;
  readonly decoder: Qwen3Decoder;
  /** Stand-ins for the family's prompt tokens before and after the audio (the real prompts' lengths). */
  readonly before: readonly number[];
  readonly after: readonly number[];
}

const range = (start: number, count: number) => Array.from({ length: count }, (_, i) => start + i);

/** How to assemble each family our side runs from the run's weights. */
const RUNNERS: Readonly<Record<OurEndToEndId, (settings: RunSettings) => Promise<Pipeline>>> = {
  /** FunASR-Qwen4B: OminiX front end, SenseVoice (no √D scaling), Qwen4B adaptor, Qwen3-4B; 17 prompt tokens. */
  "funasr-qwen4b": async (settings) => {
    const models = benchModels(settings.small);
    const encoder = await loadEncoder(settings.weightsDir, models);
    const adaptor = await loadAdaptor(settings.weightsDir, models);
    writeEncoderCheck(settings.checkDir, encoder, adaptor);
    const decoder = await loadDecoder(settings.weightsDir, "qwen3-4b", "float32");
    writeDecoderCheck(settings.checkDir, "qwen3-4b", decoder);
    return { stack: { features: benchFrontend("ominix"), encoder, adaptor }, decoder, before: range(100, 8), after: range(200, 9) };
  },
  /** Fun-ASR-Nano: FunASR front end without CMVN, SenseVoice (√D scaling), Nano adaptor (first ⌈L/8⌉ frames), Qwen3-0.6B; 23 prompt tokens. */
  "fun-asr-nano": async (settings) => {
    const models = benchModels(settings.small);
    const encoder = await loadEncoder(settings.weightsDir, { ...models, encoder: { ...models.encoder, input_scale: "sqrt_output_size" } });
    const adaptorFile = join(componentDir(settings.weightsDir, "nano-adaptor"), NANO_ADAPTOR_FILE);
    const adaptor = (await loadNetwork(NANO_ADAPTOR, models.nanoAdaptor, { files: [adaptorFile] }, { configSource: adaptorFile })) as NanoAdaptor;
    writeNanoCheck(settings.checkDir, encoder, adaptor);
    const decoder = await loadDecoder(settings.weightsDir, "qwen3-0.6b", "float32");
    writeDecoderCheck(settings.checkDir, "qwen3-0.6b", decoder);
    return { stack: { features: AudioFrontend.defaults("funasr"), encoder, adaptor }, decoder, before: range(100, 16), after: range(200, 7) };
  },
};

interface StageSeconds {
  readonly total: number;
  readonly frontend: number;
  readonly encoderAdaptor: number;
  /** Until the first token is yielded (prefill + first sample). */
  readonly prefill: number;
  readonly decode: number;
  readonly tokens: number;
  readonly audioRows: number;
  /** Positions the prefill ran: prompt tokens + audio rows. */
  readonly positions: number;
}

async function transcribeOnce(p: Pipeline, wave: Tensor, tokens: number): Promise<StageSeconds> {
  const t0 = performance.now();
  const { features, lengths } = p.stack.features.extract([wave], ["bench audio"]);
  const t1 = performance.now();
  const encoded = p.stack.encoder.encode(features, lengths);
  const adapted = p.stack.adaptor.adapt(encoded.frames, encoded.lengths);
  const audio = adapted.frames.index(0, mx.Slice(0, adapted.lengths[0]!));
  mx.eval(audio);
  const t2 = performance.now();
  const timings = { frontendMs: t1 - t0 };
  const rows = audio.shape[0]!;
  const ids = [...p.before, ...new Array<number>(rows).fill(0), ...p.after];
  const embeds = injectAudio(p.decoder, ids, { start: p.before.length, end: p.before.length + rows }, audio);
  let firstAt = 0;
  let count = 0;
  for await (const _ of decodeTokens(p.decoder, embeds, { maxTokens: tokens, stopIds: new Set(), sampling: GREEDY })) {
    if (count++ === 0) firstAt = performance.now();
  }
  const t3 = performance.now();
  const s = (ms: number) => ms / 1000;
  return {
    total: s(t3 - t0),
    frontend: s(timings.frontendMs),
    encoderAdaptor: s(t2 - t0 - timings.frontendMs),
    prefill: s(firstAt - t2),
    decode: s(t3 - firstAt),
    tokens: count,
    audioRows: rows,
    positions: ids.length,
  };
}

export async function endToEndRow(id: EndToEndId, tokens: number, settings: RunSettings): Promise<RowResult> {
  if (!(OUR_END_TO_END as readonly string[]).includes(id)) throw new Error(`the bench has no end-to-end runner for ${id}`);
  const pipeline = await RUNNERS[id as OurEndToEndId](settings);
  const wave = speechLikeWaveform(END_TO_END_AUDIO_SECONDS);
  const runs: StageSeconds[] = [];
  const stats = await measure(
    settings.runs,
    () => transcribeOnce(pipeline, wave, WARM_UP_TOKENS),
    async () => {
      const r = await transcribeOnce(pipeline, wave, tokens);
      if (r.tokens !== tokens) throw new Error(`decoded ${r.tokens} tokens, expected ${tokens}`);
      runs.push(r);
      return r.total;
    },
  );
  const median = (pick: (r: StageSeconds) => number) => statsOf(runs.map(pick)).median;
  return {
    name: "end_to_end",
    model: id,
    weights: "float32",
    audio_seconds: END_TO_END_AUDIO_SECONDS,
    prompt_text_tokens: pipeline.before.length + pipeline.after.length,
    audio_rows: runs[0]?.audioRows ?? 0,
    prefill_positions: runs[0]?.positions ?? 0,
    tokens,
    median_s: stats.median,
    min_s: stats.min,
    samples: stats.samples,
    samples_after_frontend: runs.map((r) => r.total - r.frontend),
    rtf: stats.median / END_TO_END_AUDIO_SECONDS,
    frontend_s: median((r) => r.frontend),
    encoder_adaptor_s: median((r) => r.encoderAdaptor),
    prefill_s: median((r) => r.prefill),
    decode_s: median((r) => r.decode),
    decode_ms_per_token: median((r) => (r.decode * 1000) / (r.tokens - 1)),
    runs: stats.samples.length,
    peak_rss_bytes: peakRssBytes(),
  };
}
