/**
 * Row `end_to_end`: 30 s of audio (a waveform tensor in memory) through one
 * family at its real shapes — front end, encoder, adaptor, the audio injected
 * into a prompt of the family's length, float32 prefill, then exactly 100
 * greedy tokens from `decodeTokens` with no stop ids.
 */
import { speechLikeWaveform } from "../audio";
import { measure, peakRssBytes, statsOf } from "../measure";
import type { EndToEndId } from "../models";
import { loadPipeline } from "../pipelines";
import { END_TO_END_AUDIO_SECONDS, type PromptShape, type RowResult, type RunSettings } from "../tasks";
import { transcribeOnce, type StageSeconds } from "../transcription";

const WARM_UP_TOKENS = 2;

export async function endToEndRow(id: EndToEndId, tokens: number, prompt: PromptShape, settings: RunSettings): Promise<RowResult> {
  const pipeline = await loadPipeline(id, settings);
  const wave = speechLikeWaveform(END_TO_END_AUDIO_SECONDS);
  const runs: StageSeconds[] = [];
  const stats = await measure(
    settings.runs,
    () => transcribeOnce(pipeline, wave, prompt, WARM_UP_TOKENS),
    async () => {
      const r = await transcribeOnce(pipeline, wave, prompt, tokens);
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
    decoder_dtype: String(pipeline.decoder.dtype),
    audio_seconds: END_TO_END_AUDIO_SECONDS,
    prompt_text_tokens: prompt.before + prompt.after,
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
