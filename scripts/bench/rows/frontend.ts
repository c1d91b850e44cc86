/** Row `frontend`: 60 s of 16 kHz audio (a waveform tensor in memory) → LFR features, per front-end mode. */
import type { FrontendMode } from "../../../src/audio/features/funasr-frontend";
import { benchFrontend, featuresOf, speechLikeWaveform } from "../audio";
import { measure, peakRssBytes, seconds } from "../measure";
import { FRONTEND_AUDIO_SECONDS, type RowResult, type RunSettings } from "../tasks";

export async function frontendRow(mode: FrontendMode, settings: RunSettings): Promise<RowResult> {
  const wave = speechLikeWaveform(FRONTEND_AUDIO_SECONDS);
  const frontend = benchFrontend(mode);
  let frames = 0;
  const stats = await measure(
    settings.runs,
    () => featuresOf(frontend, wave),
    () => seconds(() => (frames = featuresOf(frontend, wave).shape[1]!)),
  );
  return {
    name: "frontend",
    model: mode === "funasr" ? "funasr-wavfrontend+cmvn" : "ominix-frontend",
    weights: "none",
    audio_seconds: FRONTEND_AUDIO_SECONDS,
    frames,
    median_s: stats.median,
    min_s: stats.min,
    samples: stats.samples,
    rtf: stats.median / FRONTEND_AUDIO_SECONDS,
    runs: stats.samples.length,
    peak_rss_bytes: peakRssBytes(),
  };
}
