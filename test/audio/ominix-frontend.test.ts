/**
 * The OminiX front-end mode (the OminiX Qwen4B port's reading of FunASR's front end) against an independent,
 * straightforward float64 transcription of the recipe (direct DFT, HTK bank
 * snapped to bins), and the short-input rules of both modes.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { AudioFrontend, frontendSettings, FrontendConfigSchema } from "../../src/audio/features/funasr-frontend";
import { AudioError } from "../../src/errors";
import { toFloat32Array, toTensor } from "../../src/engine/transfer";
import { MODEL_DIR } from "../helpers/fixtures";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

const ominix = new AudioFrontend(frontendSettings(FrontendConfigSchema.parse({ mode: "ominix", frontend_conf: {} }), null));

function referenceOminixFbank(x: Float64Array): number[][] {
  const nFft = 512, win = 400, hop = 160, nMels = 80, sr = 16000;
  const toMel = (hz: number) => 2595 * Math.log10(1 + hz / 700);
  const toHz = (mel: number) => 700 * (10 ** (mel / 2595) - 1);
  const lo = toMel(20), hi = toMel(8000);
  const bins = Array.from({ length: nMels + 2 }, (_, i) => Math.floor(((nFft + 1) * toHz(lo + ((hi - lo) * i) / (nMels + 1))) / sr));
  const frames = x.length >= win ? 1 + Math.floor((x.length - win) / hop) : 1;
  const out: number[][] = [];
  for (let t = 0; t < frames; t++) {
    const frame = new Float64Array(nFft);
    for (let i = 0; i < win; i++) frame[i] = (x[t * hop + i] ?? 0) * (0.54 - 0.46 * Math.cos((2 * Math.PI * i) / (win - 1)));
    const power = new Float64Array(nFft / 2 + 1);
    for (let k = 0; k <= nFft / 2; k++) {
      let re = 0, im = 0;
      for (let n = 0; n < win; n++) {
        re += frame[n]! * Math.cos((2 * Math.PI * k * n) / nFft);
        im -= frame[n]! * Math.sin((2 * Math.PI * k * n) / nFft);
      }
      power[k] = re * re + im * im;
    }
    const row: number[] = [];
    for (let b = 0; b < nMels; b++) {
      const [l, c, r] = [bins[b]!, bins[b + 1]!, bins[b + 2]!];
      let e = 0;
      for (let k = l; k < c; k++) e += power[k]! * ((k - l) / (c - l));
      for (let k = c; k < r; k++) e += power[k]! * ((r - k) / (r - c));
      row.push(Math.log(Math.max(e, 1.1920928955078125e-7)));
    }
    out.push(row);
  }
  return out;
}

test("OminiX fbank equals a float64 transcription of the recipe", () => {
  const n = 4800;
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = 0.3 * Math.sin(i * 0.07) + 0.2 * Math.sin(i * 0.91 + 1) + 0.05 * Math.cos(i * 2.3);
  const ours = ominix.fbank(toTensor(Float32Array.from(x)));
  const expected = referenceOminixFbank(x);
  expect(ours.shape).toEqual([expected.length, 80]);
  const flat = toFloat32Array(ours);
  let worst = 0;
  let total = 0;
  expected.forEach((row, t) =>
    row.forEach((v, b) => {
      const d = Math.abs(v - flat[t * 80 + b]!);
      worst = Math.max(worst, d);
      total += d;
    }),
  );
  // The fbank bounds of the FunASR recipe (float32 against float64; the worst cells are near-empty mel bins).
  expect(worst).toBeLessThanOrEqual(1e-2);
  expect(total / flat.length).toBeLessThanOrEqual(1e-4);
});

test("OminiX mode has no CMVN and no ×32768 scaling; features are LFR of its fbank", () => {
  expect(ominix.settings.cmvn).toBeNull();
  expect(ominix.settings.fbank.inputScale).toBe(1);
  expect(ominix.settings.fbank.preemphasis).toBe(0);
  expect(ominix.settings.fbank.removeDcOffset).toBe(false);
  const x = toTensor(Float32Array.from({ length: 3200 }, (_, i) => 0.1 * Math.sin(i / 5)));
  expect(ominix.run(x).shape).toEqual([Math.ceil((1 + Math.floor((3200 - 400) / 160)) / 6), 560]);
});

test("a config with mode ominix ignores its CMVN file", () => {
  const s = frontendSettings(FrontendConfigSchema.parse({ mode: "ominix", frontend_conf: { cmvn_file: "am.mvn" } }), null);
  expect(s.cmvn).toBeNull();
});

test("input shorter than one window: FunASR shrinks the window, OminiX zero-pads one frame", () => {
  const funasr = AudioFrontend.load(join(MODEL_DIR, "frontend"));
  const x = toTensor(Float32Array.from({ length: 300 }, (_, i) => Math.sin(i / 3) * 0.2));
  expect(funasr.fbank(x).shape).toEqual([1, 80]);
  expect(ominix.fbank(x).shape).toEqual([1, 80]);
});

test("input under 10 ms is refused with AUDIO_TOO_SHORT", () => {
  const x = toTensor(new Float32Array(100));
  expect(() => ominix.fbank(x, "tiny.wav")).toThrow(AudioError);
  try {
    ominix.fbank(x, "tiny.wav");
  } catch (e) {
    expect((e as AudioError).code).toBe("AUDIO_TOO_SHORT");
    expect((e as AudioError).message).toContain("tiny.wav");
  }
});
