/**
 * Row `end_to_end`: 30 s of audio (a waveform tensor in memory) through the
 * FunASR-Qwen4B shapes — OminiX front end, SenseVoice encoder, Qwen4B adaptor,
 * the audio injected into a 17-token prompt, Qwen3-4B float32 prefill, then
 * exactly 100 greedy tokens from `decodeTokens` with no stop ids.
 */
import { mx } from "../../../src/engine/mlx";
import type { Qwen3Decoder } from "../../../src/models/qwen3-decoder";
import { decodeTokens } from "../../../src/pipeline/generate";
import { injectAudio } from "../../../src/pipeline/injection";
import { GREEDY } from "../../../src/pipeline/sampling";
import type { Qwen4bAdaptor } from "../../../adaptor/qwen4b-adaptor";
import type { AudioFrontend } from "../../../src/audio/features/funasr-frontend";
import type { Tensor } from "../../../src/engine/mlx";
import type { SenseVoiceEncoder } from "../../../src/models/sensevoice-encoder";
import { benchFrontend, featuresOf, speechLikeWaveform } from "../audio";
import { writeDecoderCheck, writeEncoderCheck } from "../cross-check";
import { loadAdaptor, loadDecoder, loadEncoder } from "../load";
import { measure, peakRssBytes, statsOf } from "../measure";
import { benchModels } from "../models";
import { END_TO_END_AUDIO_SECONDS, type RowResult, type RunSettings } from "../tasks";

/** Stand-ins for the family's prompt: 8 text tokens before the audio, 9 after (17 in all, as the real prompt). */
const PROMPT_BEFORE = [100, 101, 102, 103, 104, 105, 106, 107];
const PROMPT_AFTER = [200, 201, 202, 203, 204, 205, 206, 207, 208];
const WARM_UP_TOKENS = 2;

interface Pipeline {
  readonly frontend: AudioFrontend;
  readonly encoder: SenseVoiceEncoder;
  readonly adaptor: Qwen4bAdaptor;
  readonly decoder: Qwen3Decoder;
}

interface StageSeconds {
  readonly total: number;
  readonly frontend: number;
  readonly encoderAdaptor: number;
  /** Until the first token is yielded (prefill + first sample). */
  readonly prefill: number;
  readonly decode: number;
  readonly tokens: number;
  /** Positions the prefill ran: prompt tokens + audio frames. */
  readonly positions: number;
}

async function transcribeOnce(p: Pipeline, wave: Tensor, tokens: number): Promise<StageSeconds> {
  const t0 = performance.now();
  const features = featuresOf(p.frontend, wave);
  const t1 = performance.now();
  const audio = p.adaptor.forward(p.encoder.forward(features));
  mx.eval(audio);
  const t2 = performance.now();
  const frames = audio.shape[1]!;
  const ids = [...PROMPT_BEFORE, ...new Array<number>(frames).fill(0), ...PROMPT_AFTER];
  const span = { start: PROMPT_BEFORE.length, end: PROMPT_BEFORE.length + frames };
  const embeds = injectAudio(p.decoder, ids, span, audio.index(0));
  let firstAt = 0;
  let count = 0;
  for await (const _ of decodeTokens(p.decoder, embeds, { maxTokens: tokens, stopIds: new Set(), sampling: GREEDY })) {
    if (count++ === 0) firstAt = performance.now();
  }
  const t3 = performance.now();
  const s = (ms: number) => ms / 1000;
  return { total: s(t3 - t0), frontend: s(t1 - t0), encoderAdaptor: s(t2 - t1), prefill: s(firstAt - t2), decode: s(t3 - firstAt), tokens: count, positions: ids.length };
}

export async function endToEndRow(tokens: number, settings: RunSettings): Promise<RowResult> {
  const models = benchModels(settings.small);
  const encoder = await loadEncoder(settings.weightsDir, models);
  const adaptor = await loadAdaptor(settings.weightsDir, models);
  writeEncoderCheck(settings.checkDir, encoder, adaptor);
  const decoder = await loadDecoder(settings.weightsDir, "qwen3-4b", "float32");
  writeDecoderCheck(settings.checkDir, "qwen3-4b", decoder);
  const pipeline: Pipeline = { frontend: benchFrontend("ominix"), encoder, adaptor, decoder };
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
    model: "funasr-qwen4b",
    weights: "float32",
    audio_seconds: END_TO_END_AUDIO_SECONDS,
    prompt_text_tokens: PROMPT_BEFORE.length + PROMPT_AFTER.length,
    prefill_positions: runs[0]?.positions ?? 0,
    tokens,
    median_s: stats.median,
    min_s: stats.min,
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
