/**
 * Row `encoder_adaptor`: 30 s of audio's features → SenseVoice encoder → Qwen4B
 * adaptor output, in seconds and real-time factor (front end not timed).
 */
import { mx } from "../../../src/engine/mlx";
import { benchFrontend, featuresOf, speechLikeWaveform } from "../audio";
import { writeEncoderCheck } from "../cross-check";
import { loadAdaptor, loadEncoder } from "../load";
import { log, measure, peakRssBytes, statsOf } from "../measure";
import { benchModels } from "../models";
import { ENCODER_AUDIO_SECONDS, type RowResult, type RunSettings } from "../tasks";

export async function encoderAdaptorRow(settings: RunSettings): Promise<RowResult> {
  const models = benchModels(settings.small);
  const encoder = await loadEncoder(settings.weightsDir, models);
  const adaptor = await loadAdaptor(settings.weightsDir, models);
  writeEncoderCheck(settings.checkDir, encoder, adaptor);
  const features = featuresOf(benchFrontend("ominix"), speechLikeWaveform(ENCODER_AUDIO_SECONDS));
  const encoderSeconds: number[] = [];
  const adaptorSeconds: number[] = [];
  const once = () => {
    const t0 = performance.now();
    const encoded = encoder.forward(features);
    mx.eval(encoded);
    const t1 = performance.now();
    mx.eval(adaptor.forward(encoded));
    const t2 = performance.now();
    encoderSeconds.push((t1 - t0) / 1000);
    adaptorSeconds.push((t2 - t1) / 1000);
    return (t2 - t0) / 1000;
  };
  const stats = await measure(settings.runs, once, once);
  encoderSeconds.shift();
  adaptorSeconds.shift();
  log(`encoder ${statsOf(encoderSeconds).median.toFixed(3)} s + adaptor ${statsOf(adaptorSeconds).median.toFixed(3)} s`);
  return {
    name: "encoder_adaptor",
    model: "sensevoice-small+qwen4b-adaptor",
    weights: "float32",
    audio_seconds: ENCODER_AUDIO_SECONDS,
    frames: features.shape[1]!,
    median_s: stats.median,
    min_s: stats.min,
    samples: stats.samples,
    rtf: stats.median / ENCODER_AUDIO_SECONDS,
    encoder_median_s: statsOf(encoderSeconds).median,
    adaptor_median_s: statsOf(adaptorSeconds).median,
    runs: stats.samples.length,
    peak_rss_bytes: peakRssBytes(),
  };
}
