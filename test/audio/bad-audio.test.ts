/**
 * Every way an audio input can be wrong gives an AudioError with a stable code
 * and a message naming the file; through the command line it is one line on
 * stderr and exit status 3, never a crash or a stack trace.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadAudio, waveformFromSamples } from "../../src/audio/load";
import { AudioError, EXIT_STATUS } from "../../src/errors";
import { runCli } from "../helpers/cli";
import { MODEL_DIR } from "../helpers/fixtures";
import { encodeWav, tone } from "../helpers/wav";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

const dir = mkdtempSync(join(tmpdir(), "mlx-asr-bad-"));
const good = encodeWav({ sampleRate: 16000, channels: [tone(1600, 16000, 440, 16)], encoding: "pcm", bits: 16 });

function patched(edit: (v: DataView, b: Uint8Array) => void, bytes = good): Uint8Array {
  const copy = bytes.slice();
  edit(new DataView(copy.buffer), copy);
  return copy;
}

const nanWav = encodeWav({ sampleRate: 16000, channels: [[0.1, NaN, 0.2, ...tone(1000, 16000, 300, 32)]], encoding: "float", bits: 32 });
const infWav = encodeWav({ sampleRate: 16000, channels: [[0.1, Infinity, ...tone(1000, 16000, 300, 32)]], encoding: "float", bits: 32 });

const CASES: { name: string; bytes: Uint8Array; code: string; message: RegExp }[] = [
  { name: "empty file", bytes: new Uint8Array(0), code: "AUDIO_EMPTY", message: /empty/ },
  { name: "non-RIFF bytes", bytes: new TextEncoder().encode("hello, this is plain text and not audio"), code: "AUDIO_NOT_WAV", message: /not a RIFF\/WAVE file/ },
  { name: "truncated header", bytes: good.slice(0, 30), code: "AUDIO_TRUNCATED", message: /truncated/ },
  { name: "RIFF without WAVE", bytes: good.slice(0, 6), code: "AUDIO_TRUNCATED", message: /truncated/ },
  { name: "data chunk shorter than declared", bytes: good.slice(0, good.length - 500), code: "AUDIO_TRUNCATED", message: /declares 3200 bytes but only 2700 follow/ },
  { name: "zero sample rate", bytes: patched((v) => v.setUint32(24, 0, true)), code: "AUDIO_BAD_HEADER", message: /sample rate of 0/ },
  { name: "zero channels", bytes: patched((v) => v.setUint16(22, 0, true)), code: "AUDIO_BAD_HEADER", message: /0 channels/ },
  { name: "ADPCM encoding", bytes: patched((v) => { v.setUint16(20, 2, true); v.setUint16(34, 4, true); }), code: "AUDIO_UNSUPPORTED_ENCODING", message: /Microsoft ADPCM WAV is not supported/ },
  { name: "12-bit PCM", bytes: patched((v) => v.setUint16(34, 12, true)), code: "AUDIO_UNSUPPORTED_ENCODING", message: /12-bit/ },
  { name: "NaN samples", bytes: nanWav, code: "AUDIO_NON_FINITE", message: /NaN or infinite/ },
  { name: "infinite samples", bytes: infWav, code: "AUDIO_NON_FINITE", message: /NaN or infinite/ },
  { name: "zero-length audio", bytes: encodeWav({ sampleRate: 16000, channels: [[]], encoding: "pcm", bits: 16 }), code: "AUDIO_EMPTY", message: /no samples/ },
  { name: "too short for one frame", bytes: encodeWav({ sampleRate: 16000, channels: [tone(100, 16000, 300, 16)], encoding: "pcm", bits: 16 }), code: "AUDIO_TOO_SHORT", message: /at least 160 samples/ },
];

// Deterministic regardless of the machine: no ffmpeg fallback for non-WAV bytes.
const NO_FFMPEG = { MLX_ASR_FFMPEG: "/nonexistent/ffmpeg" };

describe.each(CASES)("bad audio: $name", ({ name, bytes, code, message }) => {
  const path = join(dir, `${name.replace(/\W+/g, "_")}.wav`);
  writeFileSync(path, bytes);

  test("the command line prints one line and exits with the audio status", () => {
    const r = runCli(["inspect", "features", "--model", MODEL_DIR, "--audio", path, "--out", join(dir, "out.safetensors")], NO_FFMPEG);
    expect(r.status).toBe(EXIT_STATUS.audio);
    const lines = r.stderr.trim().split("\n");
    expect(lines.length).toBe(1);
    expect(lines[0]).toContain(`error[${code}]`);
    expect(lines[0]).toContain(path);
    expect(lines[0]).toMatch(message);
    expect(r.stderr).not.toContain("    at ");
  });
});

test("the library throws AudioError with the same code", () => {
  const path = join(dir, "lib-truncated.wav");
  writeFileSync(path, good.slice(0, good.length - 10));
  expect(() => loadAudio(path)).toThrow(AudioError);
});

test("a missing file is AUDIO_NOT_FOUND", () => {
  const r = runCli(["inspect", "waveform", "--model", MODEL_DIR, "--audio", join(dir, "nope.wav"), "--out", join(dir, "o.safetensors")]);
  expect(r.status).toBe(EXIT_STATUS.audio);
  expect(r.stderr).toContain("error[AUDIO_NOT_FOUND]");
});

test("audio over the configured maximum is AUDIO_TOO_LONG, before any work on it", () => {
  const samples = new Float32Array(16000 * 3);
  let error: unknown;
  try {
    waveformFromSamples(samples, 16000, { maxSeconds: 2 }, "long-input");
  } catch (e) {
    error = e;
  }
  expect((error as AudioError).code).toBe("AUDIO_TOO_LONG");
  expect((error as AudioError).message).toBe("long-input: audio is 3.0 s long, over the limit of 2 s");
});

test("no output file is left behind when the input is bad", () => {
  const out = join(dir, "never.safetensors");
  runCli(["inspect", "waveform", "--model", MODEL_DIR, "--audio", join(dir, "nope.wav"), "--out", out]);
  expect(existsSync(out)).toBe(false);
});
