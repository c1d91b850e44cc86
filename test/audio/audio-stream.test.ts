/**
 * Audio read window by window — WAV files by positioned reads, byte streams as
 * they arrive, ffmpeg through its pipe — gives the samples whole-file loading
 * gives, holds a window at a time, and lets the segmenter hand out the first
 * piece long before the input ends.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openAudio } from "../../src/audio/audio-stream";
import { findFfmpeg } from "../../src/audio/ffmpeg";
import { loadAudio } from "../../src/audio/load";
import { resample } from "../../src/audio/resample";
import { segmentStream } from "../../src/audio/segment";
import { StreamingResampler } from "../../src/audio/streaming-resampler";
import { WINDOW_FRAMES } from "../../src/audio/wav-windows";
import { AudioError } from "../../src/errors";
import { mx, type Tensor } from "../../src/engine/mlx";
import { toFloat32Array, toTensor } from "../../src/engine/transfer";
import { FIXTURES } from "../helpers/fixtures";
import { randomInt, seededRandom } from "../helpers/seeded-random";
import { allowSlowTests } from "../helpers/timeout";
import { encodeWav, tone } from "../helpers/wav";

allowSlowTests();

const dir = mkdtempSync(join(tmpdir(), "mlx-asr-stream-"));
let counter = 0;
function writeTemp(bytes: Uint8Array, ext = "wav"): string {
  const path = join(dir, `s${counter++}.${ext}`);
  writeFileSync(path, bytes);
  return path;
}

async function collect(windows: AsyncIterable<Tensor>): Promise<Float32Array> {
  const parts: Float32Array[] = [];
  for await (const w of windows) parts.push(toFloat32Array(w));
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Resampling is one GEMM, and a window computes fewer of its rows in a call than the
 * whole signal does. The BLAS does not promise a row's dot product is summed in the same
 * order whatever the row count: OpenBLAS differs at every count, and BLIS on an AVX-512
 * CPU answers a one-row product from its matrix × vector kernel (up to 2.4e-7 here).
 * Decoding and downmixing stay exact; the resampled samples agree to float32 rounding.
 */
const RESAMPLING_ROUNDING = 1e-6;

function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  return a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);
}

/** The bytes in chunks of random sizes, as a pipe delivers them. */
async function* chunked(bytes: Uint8Array, seed: number): AsyncGenerator<Uint8Array> {
  const random = seededRandom(seed);
  for (let at = 0; at < bytes.length; ) {
    const n = randomInt(random, 1, 100_000);
    yield bytes.subarray(at, at + n);
    at += n;
  }
}

describe("windows read from disk equal the whole file, in every layout", () => {
  const cases = [
    { encoding: "pcm", bits: 8, rate: 16000, channels: 1 },
    { encoding: "pcm", bits: 16, rate: 16000, channels: 1 },
    { encoding: "pcm", bits: 24, rate: 22050, channels: 2 },
    { encoding: "pcm", bits: 32, rate: 16000, channels: 3 },
    { encoding: "float", bits: 32, rate: 44100, channels: 2 },
    { encoding: "float", bits: 64, rate: 8000, channels: 1 },
  ] as const;
  for (const c of cases) {
    test(`${c.bits}-bit ${c.encoding}, ${c.rate} Hz, ${c.channels} channel(s), over several windows`, async () => {
      const frames = 2 * WINDOW_FRAMES + 12_345;
      const channels = Array.from({ length: c.channels }, (_, i) => tone(frames, c.rate, 300 + 200 * i, c.bits === 64 ? 32 : c.bits));
      const bytes = encodeWav({ sampleRate: c.rate, channels, encoding: c.encoding, bits: c.bits });
      const path = writeTemp(bytes);
      const whole = toFloat32Array(loadAudio(path).samples);
      const bound = c.rate === 16000 ? 0 : RESAMPLING_ROUNDING;
      const fromDisk = await openAudio(path);
      expect(maxAbsDifference(await collect(fromDisk.samples()), whole)).toBeLessThanOrEqual(bound);
      expect(fromDisk.durationSeconds).toBeCloseTo(frames / c.rate, 9);
      const fromStream = await openAudio({ stream: chunked(bytes, frames), name: "<stdin>" });
      expect(maxAbsDifference(await collect(fromStream.samples()), whole)).toBeLessThanOrEqual(bound);
    });
  }
});

test("resampling in windows of random sizes gives whole-signal resampling (float32 noise at most)", () => {
  const random = seededRandom(44);
  for (const [from, to] of [[44100, 16000], [8000, 16000], [48000, 16000], [22050, 16000]] as const) {
    const length = randomInt(random, 1, 120_000);
    const signal = Float32Array.from({ length }, (_, i) => 0.5 * Math.sin(i * 0.013) + 0.2 * (random() - 0.5));
    const whole = toFloat32Array(resample(toTensor(signal), from, to));
    const resampler = new StreamingResampler(from, to);
    const parts: Tensor[] = [];
    for (let at = 0; at < length; ) {
      const n = randomInt(random, 1, 40_000);
      parts.push(resampler.push(toTensor(signal.subarray(at, Math.min(length, at + n)))));
      at += n;
    }
    parts.push(resampler.finish());
    const windowed = toFloat32Array(mx.concatenate(parts));
    expect(maxAbsDifference(windowed, whole)).toBeLessThanOrEqual(RESAMPLING_ROUNDING);
  }
});

test("A-law and mu-law decode to ffmpeg's values for all 256 codes, whole and windowed", async () => {
  const reference = JSON.parse(readFileSync(join(FIXTURES, "audio", "g711-ffmpeg.json"), "utf8")) as { alaw: number[]; mulaw: number[] };
  for (const [law, tag] of [["alaw", 6], ["mulaw", 7]] as const) {
    const bytes = encodeWav({ sampleRate: 16000, channels: [Array.from({ length: 256 }, () => 0)], encoding: "pcm", bits: 8, formatTag: tag });
    bytes.set(Array.from({ length: 256 }, (_, code) => code), bytes.length - 256);
    const path = writeTemp(bytes);
    const expected = Float32Array.from(reference[law], (v) => v / 32768);
    expect(maxAbsDifference(toFloat32Array(loadAudio(path).samples), expected)).toBe(0);
    expect(maxAbsDifference(await collect((await openAudio(path)).samples()), expected)).toBe(0);
  }
});

test("the first piece is cut once one piece and the 1 s tail have arrived, not at the end of the input", async () => {
  const seconds = 600;
  let pulled = 0;
  async function* arriving(): AsyncGenerator<Tensor> {
    const window = toTensor(Float32Array.from({ length: WINDOW_FRAMES }, (_, i) => 0.3 * Math.sin(i * 0.05) * (i % 4000 < 400 ? 0.001 : 1)));
    for (let at = 0; at < seconds * 16000; at += WINDOW_FRAMES) {
      pulled += WINDOW_FRAMES;
      yield window;
    }
  }
  let pulledAtFirst = 0;
  let pieces = 0;
  for await (const piece of segmentStream(arriving(), { maxSeconds: 30 })) {
    if (pieces++ === 0) pulledAtFirst = pulled;
    expect(piece.end - piece.start).toBeLessThanOrEqual(30);
  }
  expect(pieces).toBeGreaterThanOrEqual(20);
  expect(pulledAtFirst).toBeLessThanOrEqual((30 + 1) * 16000 + WINDOW_FRAMES);
});

test("a WAV file over the length limit is refused from its header, before any sample is read", async () => {
  const path = writeTemp(encodeWav({ sampleRate: 16000, channels: [tone(48000, 16000, 300, 16)], encoding: "pcm", bits: 16 }));
  const error = await openAudio(path, { maxSeconds: 2 }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(AudioError);
  expect((error as AudioError).message).toBe(`${path}: audio is 3.0 s long, over the limit of 2 s`);
});

test("a stream over the length limit stops as soon as it runs past it", async () => {
  const bytes = encodeWav({ sampleRate: 16000, channels: [tone(5 * WINDOW_FRAMES, 16000, 300, 16)], encoding: "pcm", bits: 16 });
  new DataView(bytes.buffer).setUint32(40, 0xffffffff, true);
  const audio = await openAudio({ stream: chunked(bytes, 1), name: "<stdin>" }, { maxSeconds: 5 });
  const error = await collect(audio.samples()).catch((e: unknown) => e);
  expect((error as AudioError).code).toBe("AUDIO_TOO_LONG");
  expect((error as AudioError).message).toBe("<stdin>: audio runs over the limit of 5 s");
});

const ffmpeg = findFfmpeg();
describe("ffmpeg's output is read from its pipe", () => {
  test.if(ffmpeg !== null)("a FLAC file and a FLAC byte stream give the WAV's samples", async () => {
    const wav = join(FIXTURES, "audio", "en_44k1_stereo.wav");
    const flac = join(dir, "stereo.flac");
    expect(Bun.spawnSync([ffmpeg!, "-v", "error", "-y", "-i", wav, flac]).exitCode).toBe(0);
    const whole = toFloat32Array(loadAudio(wav).samples);
    expect(maxAbsDifference(await collect((await openAudio(flac)).samples()), whole)).toBeLessThanOrEqual(RESAMPLING_ROUNDING);
    const piped = await openAudio({ stream: chunked(readFileSync(flac), 7), name: "<stdin>" });
    expect(maxAbsDifference(await collect(piped.samples()), whole)).toBeLessThanOrEqual(RESAMPLING_ROUNDING);
  });

  test.if(ffmpeg !== null)("bytes ffmpeg cannot read give AUDIO_DECODE_FAILED with ffmpeg's reason", async () => {
    const path = writeTemp(new TextEncoder().encode("this is not audio at all"), "mp3");
    const audio = await openAudio(path);
    const error = await collect(audio.samples()).catch((e: unknown) => e);
    expect((error as AudioError).code).toBe("AUDIO_DECODE_FAILED");
    expect((error as AudioError).message).toContain("ffmpeg cannot decode it");
  });
});
