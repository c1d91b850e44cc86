/**
 * Mel filter banks as [nFft/2 + 1, nMels] matrices, so that mel energies are one
 * matmul of the power spectrum. Computed with tensor ops in float32, as torchaudio
 * and OminiX compute theirs.
 */
import { mx, type Tensor } from "../../engine/mlx";

const bankCache = new Map<string, Tensor>();

function cached(key: string, build: () => Tensor): Tensor {
  let bank = bankCache.get(key);
  if (!bank) {
    bank = build();
    mx.eval(bank);
    bankCache.set(key, bank);
  }
  return bank;
}

/** Kaldi's mel scale: 1127·ln(1 + f/700). */
function kaldiMel(hz: number): number {
  return 1127 * Math.log(1 + hz / 700);
}

/**
 * torchaudio.compliance.kaldi `get_mel_banks`: triangles continuous on the mel
 * axis, evaluated at the first nFft/2 FFT bins; the Nyquist bin gets weight 0.
 */
export function kaldiMelBank(nMels: number, nFft: number, sampleRate: number, lowFreq: number, highFreq: number): Tensor {
  return cached(`kaldi:${nMels}:${nFft}:${sampleRate}:${lowFreq}:${highFreq}`, () => {
    const nyquist = sampleRate / 2;
    const high = highFreq <= 0 ? highFreq + nyquist : highFreq;
    const melLow = kaldiMel(lowFreq);
    const melDelta = (kaldiMel(high) - melLow) / (nMels + 1);
    const filter = mx.arange(nMels, mx.float32).reshape([1, nMels]);
    const left = mx.add(mx.multiply(filter, melDelta), melLow);
    const center = mx.add(mx.multiply(mx.add(filter, 1), melDelta), melLow);
    const right = mx.add(mx.multiply(mx.add(filter, 2), melDelta), melLow);
    const binHz = mx.multiply(mx.arange(nFft / 2, mx.float32), sampleRate / nFft).reshape([nFft / 2, 1]);
    const binMel = mx.multiply(mx.log(mx.add(mx.divide(binHz, 700), 1)), 1127);
    const up = mx.divide(mx.subtract(binMel, left), mx.subtract(center, left));
    const down = mx.divide(mx.subtract(right, binMel), mx.subtract(right, center));
    const bank = mx.maximum(mx.minimum(up, down), 0);
    return mx.pad(bank, [[0, 1], [0, 0]]);
  });
}

/**
 * OminiX's HTK-style bank: mel(f) = 2595·log10(1 + f/700), nMels + 2 points from
 * mel(20) to mel(sampleRate/2), each snapped to FFT bin floor((nFft+1)·hz/sr);
 * filter b rises over [bin_b, bin_b+1) and falls over [bin_b+1, bin_b+2).
 */
export function htkBinnedMelBank(nMels: number, nFft: number, sampleRate: number, lowFreq: number): Tensor {
  return cached(`htk:${nMels}:${nFft}:${sampleRate}:${lowFreq}`, () => {
    const toMel = (hz: Tensor | number) => mx.multiply(mx.log10(mx.add(mx.divide(hz, 700), 1)), 2595);
    const melLow = toMel(mx.array(lowFreq, mx.float32));
    const melHigh = toMel(mx.array(sampleRate / 2, mx.float32));
    const steps = mx.arange(nMels + 2, mx.float32);
    const melPoints = mx.add(melLow, mx.divide(mx.multiply(mx.subtract(melHigh, melLow), steps), nMels + 1));
    const hzPoints = mx.multiply(mx.subtract(mx.power(mx.array(10, mx.float32), mx.divide(melPoints, 2595)), 1), 700);
    const binPoints = mx.floor(mx.divide(mx.multiply(hzPoints, nFft + 1), sampleRate));
    const left = binPoints.index(mx.Slice(0, nMels)).reshape([1, nMels]);
    const center = binPoints.index(mx.Slice(1, nMels + 1)).reshape([1, nMels]);
    const right = binPoints.index(mx.Slice(2, nMels + 2)).reshape([1, nMels]);
    const k = mx.arange(nFft / 2 + 1, mx.float32).reshape([nFft / 2 + 1, 1]);
    const rising = mx.where(
      mx.logicalAnd(mx.greaterEqual(k, left), mx.less(k, center)),
      mx.divide(mx.subtract(k, left), mx.maximum(mx.subtract(center, left), 1)),
      0,
    );
    const falling = mx.where(
      mx.logicalAnd(mx.greaterEqual(k, center), mx.less(k, right)),
      mx.divide(mx.subtract(right, k), mx.maximum(mx.subtract(right, center), 1)),
      0,
    );
    return mx.add(rising, falling);
  });
}
