/**
 * Sample rates the resampler cannot serve in bounded memory (found by the
 * fuzzer: a flipped byte in a WAV's rate field made a 16001 × 16000 kernel and
 * an out-of-memory RangeError) are a typed AudioError, quickly; odd but real
 * rates still load. Replays `bun run fuzz --seed 1 --case 78`; 13746 and
 * 33602432 Hz (seed 3, cases 18300 and 2652) fit in memory but took 2.5–6.5 s.
 */
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { loadAudio, waveformFromSamples } from "../../src/audio/load";
import { MAX_KERNEL_ELEMENTS, resamplingKernelElements } from "../../src/audio/resample";
import { AudioError } from "../../src/errors";
import { encodeWav, tone } from "../helpers/wav";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

function wavAt(rate: number): string {
  const dir = mkdtempSync(join(tmpdir(), "mlx-asr-rate-"));
  const path = join(dir, `${rate}.wav`);
  writeFileSync(path, encodeWav({ sampleRate: rate, channels: [tone(800, 16000, 440, 16)], encoding: "pcm", bits: 16 }));
  return path;
}

function refusal(load: () => unknown): AudioError {
  try {
    load();
  } catch (e) {
    expect(e).toBeInstanceOf(AudioError);
    return e as AudioError;
  }
  throw new Error("expected an AudioError");
}

test.each([16001, 22051, 13746, 33_602_432, 4_294_967_295])("a WAV at %i Hz is refused as an unsupported rate, naming the file", (rate) => {
  const path = wavAt(rate);
  const e = refusal(() => loadAudio(path));
  expect(e.code).toBe("AUDIO_UNSUPPORTED_RATE");
  expect(e.message).toContain(path);
  expect(e.message).toContain(`${rate} Hz`);
  rmSync(dirname(path), { recursive: true, force: true });
});

test("rates of real recorders stay within the kernel budget and load", () => {
  for (const rate of [8000, 11025, 22050, 32000, 44056, 44100, 48000, 96000, 192000]) {
    expect([rate, resamplingKernelElements(rate, 16000) <= MAX_KERNEL_ELEMENTS]).toEqual([rate, true]);
  }
  const path = wavAt(44056);
  expect(loadAudio(path).samples.shape[0]).toBe(Math.ceil((800 * 16000) / 44056));
  rmSync(dirname(path), { recursive: true, force: true });
});

test("a fractional sample rate is a bad header, not a slow gcd", () => {
  expect(refusal(() => waveformFromSamples(new Float32Array(100), 16000.5)).code).toBe("AUDIO_BAD_HEADER");
});
