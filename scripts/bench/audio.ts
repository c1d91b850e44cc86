/** Synthetic speech-like audio and the two front ends, as the benchmark feeds them. */
import { AudioFrontend, FrontendConfigSchema, frontendSettings, type FrontendMode } from "../../src/audio/features/funasr-frontend";
import { MODEL_SAMPLE_RATE, waveformFromSamples } from "../../src/audio/load";
import { mx, type Tensor } from "../../src/engine/mlx";

/** A voiced 180 Hz tone with a 3 Hz envelope plus a wobbling 2.4 kHz component. */
export function speechLikeSamples(seconds: number, rate = MODEL_SAMPLE_RATE): Float32Array {
  const n = Math.round(seconds * rate);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    x[i] = 0.3 * Math.sin(2 * Math.PI * 180 * t) * (0.5 + 0.5 * Math.sin(2 * Math.PI * 3 * t)) + 0.05 * Math.sin(2 * Math.PI * 2400 * t + Math.sin(t * 40));
  }
  return x;
}

/** `[S]` float32 16 kHz waveform tensor, evaluated. */
export function speechLikeWaveform(seconds: number): Tensor {
  return waveformFromSamples(speechLikeSamples(seconds), MODEL_SAMPLE_RATE).samples;
}

/**
 * The front end of a mode. FunASR mode gets a CMVN of the right width (values
 * near the released am.mvn's scale), so its cost is included.
 */
export function benchFrontend(mode: FrontendMode): AudioFrontend {
  const file = FrontendConfigSchema.parse({ mode, frontend_conf: {} });
  const dim = file.frontend_conf.n_mels * file.frontend_conf.lfr_m;
  const cmvn = mode === "funasr" ? { shift: mx.full([dim], -10, mx.float32), rescale: mx.full([dim], 0.25, mx.float32), dim } : null;
  return new AudioFrontend(frontendSettings(file, cmvn));
}

/** `wave` → `[1, T, 560]` features, evaluated. */
export function featuresOf(frontend: AudioFrontend, wave: Tensor): Tensor {
  const features = frontend.run(wave);
  return features.reshape([1, ...features.shape]);
}
