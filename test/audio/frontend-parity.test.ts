/**
 * The audio front end against the reference (fixtures/README.md §1–3), for every
 * fixture utterance, with the bounds the issue states.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { AudioFrontend } from "../../src/audio/features/funasr-frontend";
import { loadAudio } from "../../src/audio/load";
import { mx } from "../../src/engine/mlx";
import { difference } from "../helpers/compare";
import { MODEL_DIR, stageTensors, UTTERANCES, wavPath } from "../helpers/fixtures";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

const frontend = AudioFrontend.load(join(MODEL_DIR, "frontend"));

describe.each(UTTERANCES)("front end parity: $id", (u) => {
  const stored = {
    waveform: stageTensors(u, "waveform"),
    fbank: stageTensors(u, "fbank").fbank!,
    features: stageTensors(u, "features"),
  };

  test("waveform from the WAV", () => {
    const wave = loadAudio(wavPath(u)).samples;
    const d = difference(wave, stored.waveform.waveform!);
    // 16 kHz files are int16/32768 exactly; resampled ones within the resampler bound.
    expect(d.maxAbs).toBeLessThanOrEqual(u.resampled ? 1e-5 : 0);
  });

  test("fbank from the stored waveform", () => {
    const fbank = frontend.fbank(stored.waveform.waveform!);
    expect(fbank.shape).toEqual([u.fbank_frames, 80]);
    const d = difference(fbank, stored.fbank);
    expect(d.maxAbs).toBeLessThanOrEqual(1e-2);
    expect(d.meanAbs).toBeLessThanOrEqual(1e-4);
  });

  test("LFR and features from the stored fbank", () => {
    const features = frontend.features(stored.fbank);
    expect(features.shape).toEqual([u.lfr_frames, 560]);
    expect(difference(features, stored.features.features!).maxAbs).toBeLessThanOrEqual(1e-4);
  });

  test("features end to end from the WAV", () => {
    const features = frontend.run(loadAudio(wavPath(u)).samples);
    expect(difference(features, stored.features.features!).maxAbs).toBeLessThanOrEqual(5e-3);
  });
});

test("CMVN is read from the <AddShift>/<Rescale> lines, not the <Splice> block", () => {
  const cmvn = frontend.settings.cmvn!;
  expect(cmvn.dim).toBe(560);
  const shift = cmvn.shift.tolist() as number[];
  expect(shift[0]).toBeCloseTo(-14.5, 5);
  expect(Math.min(...(cmvn.rescale.tolist() as number[]))).toBeGreaterThan(0);
});

test("LFR without CMVN equals the stored lfr tensor", () => {
  const noCmvn = new AudioFrontend({ ...frontend.settings, cmvn: null });
  const u = UTTERANCES[0]!;
  const lfr = noCmvn.features(stageTensors(u, "fbank").fbank!);
  expect(difference(lfr, stageTensors(u, "features").lfr!).maxAbs).toBe(0);
});

test("silent frames give the log floor exactly", () => {
  const silence = mx.zeros([16000]);
  const fbank = frontend.fbank(silence);
  expect(Number(mx.max(fbank).item())).toBeCloseTo(Math.log(1.1920928955078125e-7), 5);
  expect(Number(mx.min(fbank).item())).toBeCloseTo(-15.942385, 5);
});
