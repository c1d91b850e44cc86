/**
 * The Slaney mel filter bank (librosa's default; transformers `audio_utils.mel_filter_bank`
 * with `norm="slaney", mel_scale="slaney"`), built in float64 with the same
 * arithmetic as upstream, then used as a float32 `[nFft/2 + 1, nMels]` matrix so
 * that mel energies are one matmul of the power spectrum.
 */
import { mx, type Tensor } from "../../engine/mlx";
import { toTensor } from "../../engine/transfer";

const MIN_LOG_HZ = 1000;
const MIN_LOG_MEL = 15;

/** Slaney's mel scale: linear (3 mel per 200 Hz) below 1 kHz, logarithmic above. */
function hzToSlaneyMel(hz: number): number {
  if (hz >= MIN_LOG_HZ) return MIN_LOG_MEL + Math.log(hz / MIN_LOG_HZ) * (27 / Math.log(6.4));
  return (3 * hz) / 200;
}

function slaneyMelToHz(mel: number): number {
  if (mel >= MIN_LOG_MEL) return MIN_LOG_HZ * Math.exp((Math.log(6.4) / 27) * (mel - MIN_LOG_MEL));
  return (200 * mel) / 3;
}

/** numpy `linspace(start, stop, count)`: `i·step + start`, the last point exactly `stop`. */
function linspace(start: number, stop: number, count: number): Float64Array {
  const out = new Float64Array(count);
  const step = (stop - start) / (count - 1);
  for (let i = 0; i < count; i++) out[i] = i * step + start;
  out[count - 1] = stop;
  return out;
}

export interface SlaneyFilterSpec {
  readonly nMels: number;
  readonly nFft: number;
  readonly sampleRate: number;
  readonly minHz: number;
  readonly maxHz: number;
}

/**
 * Row-major `[nFft/2 + 1, nMels]` float64 weights: triangles between mel-spaced
 * edge frequencies evaluated at the FFT bin frequencies, each scaled by
 * `2 / (upper edge − lower edge)` (area normalisation).
 */
export function slaneyMelFilters(spec: SlaneyFilterSpec): Float64Array {
  const { nMels, nFft, sampleRate, minHz, maxHz } = spec;
  const bins = Math.floor(nFft / 2) + 1;
  const edges = linspace(hzToSlaneyMel(minHz), hzToSlaneyMel(maxHz), nMels + 2).map(slaneyMelToHz);
  const binHz = linspace(0, Math.floor(sampleRate / 2), bins);
  const weights = new Float64Array(bins * nMels);
  for (let m = 0; m < nMels; m++) {
    const lower = edges[m]!;
    const center = edges[m + 1]!;
    const upper = edges[m + 2]!;
    const norm = 2 / (upper - lower);
    for (let k = 0; k < bins; k++) {
      const rising = -(lower - binHz[k]!) / (center - lower);
      const falling = (upper - binHz[k]!) / (upper - center);
      weights[k * nMels + m] = Math.max(0, Math.min(rising, falling)) * norm;
    }
  }
  return weights;
}

const bankCache = new Map<string, Tensor>();

/** The filters as an evaluated float32 tensor `[nFft/2 + 1, nMels]`, built once per spec. */
export function slaneyMelFilterBank(spec: SlaneyFilterSpec): Tensor {
  const key = `${spec.nMels}:${spec.nFft}:${spec.sampleRate}:${spec.minHz}:${spec.maxHz}`;
  let bank = bankCache.get(key);
  if (!bank) {
    bank = toTensor(Float32Array.from(slaneyMelFilters(spec)), [Math.floor(spec.nFft / 2) + 1, spec.nMels]);
    mx.eval(bank);
    bankCache.set(key, bank);
  }
  return bank;
}
