/** WAV decoding in every supported layout, downmix, resampling entry, and ffmpeg containers. */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadAudio } from "../../src/audio/load";
import { findFfmpeg } from "../../src/audio/ffmpeg";
import { AudioError } from "../../src/errors";
import { toFloat32Array } from "../../src/engine/transfer";
import { encodeWav, tone } from "../helpers/wav";
import { FIXTURES } from "../helpers/fixtures";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

const dir = mkdtempSync(join(tmpdir(), "mlx-asr-wav-"));
let counter = 0;
function writeTemp(bytes: Uint8Array, ext = "wav"): string {
  const path = join(dir, `f${counter++}.${ext}`);
  writeFileSync(path, bytes);
  return path;
}

describe("decodes every PCM and float layout exactly", () => {
  const cases = [
    { encoding: "pcm", bits: 8 },
    { encoding: "pcm", bits: 16 },
    { encoding: "pcm", bits: 24 },
    { encoding: "pcm", bits: 32 },
    { encoding: "float", bits: 32 },
    { encoding: "float", bits: 64 },
  ] as const;
  for (const c of cases) {
    for (const extensible of [false, true]) {
      test(`${c.bits}-bit ${c.encoding}${extensible ? " (WAVE_FORMAT_EXTENSIBLE)" : ""}`, () => {
        const samples = tone(1000, 16000, 440, c.bits === 8 ? 8 : c.bits === 64 ? 32 : c.bits);
        const path = writeTemp(encodeWav({ sampleRate: 16000, channels: [samples], encoding: c.encoding, bits: c.bits, extensible }));
        const wave = toFloat32Array(loadAudio(path).samples);
        expect(wave.length).toBe(1000);
        const worst = samples.reduce((m, x, i) => Math.max(m, Math.abs(x - wave[i]!)), 0);
        expect(worst).toBeLessThanOrEqual(c.bits === 8 ? 1e-7 : 0);
      });
    }
  }
});

test("any channel count is downmixed by the channel mean", () => {
  const chans = [tone(800, 16000, 300, 16), tone(800, 16000, 500, 16), tone(800, 16000, 700, 16, 0.25)];
  const path = writeTemp(encodeWav({ sampleRate: 16000, channels: chans, encoding: "pcm", bits: 16 }));
  const loaded = loadAudio(path);
  expect(loaded.originalChannels).toBe(3);
  const wave = toFloat32Array(loaded.samples);
  const worst = wave.reduce((m, x, i) => Math.max(m, Math.abs(x - (chans[0]![i]! + chans[1]![i]! + chans[2]![i]!) / 3)), 0);
  expect(worst).toBeLessThan(1e-7);
});

test("non-16 kHz input is resampled to 16 kHz with torchaudio's length rule", () => {
  const path = writeTemp(encodeWav({ sampleRate: 22050, channels: [tone(22050, 22050, 440, 16)], encoding: "pcm", bits: 16 }));
  const w = loadAudio(path);
  expect(w.samples.shape).toEqual([16000]);
  expect(w.originalSampleRate).toBe(22050);
  expect(w.durationSeconds).toBeCloseTo(1, 6);
});

const ffmpeg = findFfmpeg();
describe("containers other than WAV", () => {
  test.if(ffmpeg !== null)("FLAC decodes through ffmpeg to the same samples as the WAV", () => {
    const src = join(FIXTURES, "audio", "en_44k1_stereo.wav");
    const flac = join(dir, "stereo.flac");
    const r = Bun.spawnSync([ffmpeg!, "-v", "error", "-y", "-i", src, flac]);
    expect(r.exitCode).toBe(0);
    const a = toFloat32Array(loadAudio(src).samples);
    const b = toFloat32Array(loadAudio(flac).samples);
    expect(b.length).toBe(a.length);
    expect(b.reduce((m, x, i) => Math.max(m, Math.abs(x - a[i]!)), 0)).toBe(0);
  });

  test.if(ffmpeg !== null)("a file ffmpeg cannot read gives AUDIO_DECODE_FAILED with ffmpeg's reason", () => {
    const path = writeTemp(new TextEncoder().encode("this is not audio at all"), "mp3");
    expect(() => loadAudio(path)).toThrow(/ffmpeg cannot decode it/);
  });

  test("without ffmpeg an MP3 gives AUDIO_NEEDS_FFMPEG", () => {
    const saved = process.env.MLX_ASR_FFMPEG;
    process.env.MLX_ASR_FFMPEG = "/nonexistent/ffmpeg";
    try {
      const path = writeTemp(new Uint8Array([0x49, 0x44, 0x33, 3, 0, 0, 0, 0, 0, 10, 1, 2, 3, 4]), "mp3");
      let error: unknown;
      try {
        loadAudio(path);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(AudioError);
      expect((error as AudioError).code).toBe("AUDIO_NEEDS_FFMPEG");
      expect((error as AudioError).message).toContain("MP3 audio needs ffmpeg");
    } finally {
      if (saved === undefined) delete process.env.MLX_ASR_FFMPEG;
      else process.env.MLX_ASR_FFMPEG = saved;
    }
  });
});
