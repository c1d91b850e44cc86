/**
 * Cutting long audio at quiet points: for any length and any limit the cuts
 * end, cover the input without gaps, never exceed the limit, and keep the last
 * piece at least 1 s long whenever the limit (≥ 2 s) allows it.
 */
import { expect, test } from "bun:test";
import { segmentAudio, segmentStream, type AudioSegment } from "../../src/audio/segment";
import { mx } from "../../src/engine/mlx";
import { toTensor } from "../../src/engine/transfer";
import { allowSlowTests } from "../helpers/timeout";
import { randomInt, seededRandom } from "../helpers/seeded-random";

allowSlowTests();

const RATE = 16000;

/** Noise bursts separated by quiet stretches of random lengths. */
function burstyNoise(random: () => number, samples: number): Float32Array {
  const out = new Float32Array(samples);
  let at = 0;
  while (at < samples) {
    const length = randomInt(random, 800, 24000);
    const level = random() < 0.4 ? 1e-4 : 0.3;
    for (let i = at; i < Math.min(samples, at + length); i++) out[i] = level * (random() * 2 - 1);
    at += length;
  }
  return out;
}

function checkCover(segments: readonly AudioSegment[], total: number, maxSeconds: number): void {
  expect(segments.length).toBeGreaterThan(0);
  expect(segments[0]!.start).toBe(0);
  expect(segments.at(-1)!.end * RATE).toBeCloseTo(total, 6);
  const maxSamples = Math.max(160, Math.floor(maxSeconds * RATE));
  segments.forEach((s, i) => {
    const length = Math.round((s.end - s.start) * RATE);
    expect(length).toBeGreaterThan(0);
    expect(length).toBeLessThanOrEqual(maxSamples);
    expect(s.samples.shape[0]).toBe(length);
    if (i > 0) expect(s.start).toBe(segments[i - 1]!.end);
  });
}

test("property: any length and any limit, even far below the 1 s minimal tail, ends with a valid cover", () => {
  const random = seededRandom(10);
  for (let run = 0; run < 40; run++) {
    const total = randomInt(random, 1, 12 * RATE);
    const maxSeconds = run % 3 === 0 ? randomInt(random, 1, 2000) / 1000 : randomInt(random, 100, 12_000) / 1000;
    const samples = burstyNoise(random, total);
    const segments = segmentAudio(toTensor(samples), { maxSeconds });
    checkCover(segments, total, maxSeconds);
    if (maxSeconds >= 2 && total > maxSeconds * RATE) expect(segments.at(-1)!.end - segments.at(-1)!.start).toBeGreaterThanOrEqual(1);
  }
});

test("the limits reported in the issue: 0.1 s and 0.5 s over 3.5 s end with pieces within the limit", () => {
  const samples = burstyNoise(seededRandom(3), 55692);
  for (const maxSeconds of [0.1, 0.5, 1]) checkCover(segmentAudio(toTensor(samples), { maxSeconds }), 55692, maxSeconds);
});

test("a limit that is not a positive number is refused", () => {
  const samples = toTensor(new Float32Array(16000));
  for (const maxSeconds of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => segmentAudio(samples, { maxSeconds })).toThrow(RangeError);
});

test("property: the same pieces whether the waveform arrives whole or in windows of any size", async () => {
  const random = seededRandom(11);
  for (let run = 0; run < 12; run++) {
    const total = randomInt(random, 1, 90 * RATE);
    const maxSeconds = randomInt(random, 2000, 30_000) / 1000;
    const whole = toTensor(burstyNoise(random, total));
    const expected = segmentAudio(whole, { maxSeconds }).map((s) => [s.start, s.end, s.silent]);
    async function* windows() {
      for (let at = 0; at < total; ) {
        const n = randomInt(random, 1, 80_000);
        yield whole.index(mx.Slice(at, Math.min(total, at + n)));
        at += n;
      }
    }
    const streamed: unknown[] = [];
    for await (const s of segmentStream(windows(), { maxSeconds })) streamed.push([s.start, s.end, s.silent]);
    expect(streamed).toEqual(expected);
  }
});
