/**
 * Row `first_token`: how long a 5 s clip (a waveform tensor in memory) waits for
 * its first token — front end, encoder, adaptor, the audio injected into a
 * prompt of the family's length, the float32 prefill and the first greedy
 * choice, until `decodeTokens` yields its id.
 */
import { speechLikeWaveform } from "../audio";
import { measure, peakRssBytes, statsOf } from "../measure";
import type { EndToEndId } from "../models";
import { loadPipeline } from "../pipelines";
import { FIRST_TOKEN_AUDIO_SECONDS, type PromptShape, type RowResult, type RunSettings } from "../tasks";
import { transcribeOnce, type StageSeconds } from "../transcription";

export async function firstTokenRow(id: EndToEndId, prompt: PromptShape, settings: RunSettings): Promise<RowResult> {
  const pipeline = await loadPipeline(id, settings);
  const wave = speechLikeWaveform(FIRST_TOKEN_AUDIO_SECONDS);
  const runs: StageSeconds[] = [];
  const stats = await measure(
    settings.runs,
    () => transcribeOnce(pipeline, wave, prompt, 1),
    async () => {
      const r = await transcribeOnce(pipeline, wave, prompt, 1);
      runs.push(r);
      return r.firstToken;
    },
  );
  const median = (pick: (r: StageSeconds) => number) => statsOf(runs.map(pick)).median;
  return {
    name: "first_token",
    model: id,
    weights: "float32",
    decoder_dtype: String(pipeline.decoder.dtype),
    clip_seconds: FIRST_TOKEN_AUDIO_SECONDS,
    prompt_text_tokens: prompt.before + prompt.after,
    audio_rows: runs[0]?.audioRows ?? 0,
    prefill_positions: runs[0]?.positions ?? 0,
    median_s: stats.median,
    min_s: stats.min,
    samples: stats.samples,
    samples_after_frontend: runs.map((r) => r.firstToken - r.frontend),
    frontend_s: median((r) => r.frontend),
    encoder_adaptor_s: median((r) => r.encoderAdaptor),
    prefill_s: median((r) => r.prefill),
    runs: stats.samples.length,
    peak_rss_bytes: peakRssBytes(),
  };
}
