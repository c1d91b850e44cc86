/**
 * Front-end benchmark: 60 s of audio → features, in both front-end modes, Whisper
 * log-mel (30 s and 60 s, both padding policies), and the WAV decode + resample path
 * for a 44.1 kHz stereo file. Reports; asserts nothing.
 *
 *   bun scripts/bench-frontend.ts [--runs N]
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AudioFrontend, frontendSettings, FrontendConfigSchema } from "../src/audio/features/funasr-frontend";
import { WhisperLogMel } from "../src/audio/features/whisper-log-mel";
import { loadAudio, waveformFromSamples } from "../src/audio/load";
import { mx } from "../src/engine/mlx";
import { releaseMemory } from "../src/runtime";

const runsAt = process.argv.indexOf("--runs");
const runs = runsAt > 0 ? Number(process.argv[runsAt + 1]) : 7;
const seconds = 60;

function speechLike(rate: number, n: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    x[i] = 0.3 * Math.sin(2 * Math.PI * 180 * t) * (0.5 + 0.5 * Math.sin(2 * Math.PI * 3 * t)) + 0.05 * Math.sin(2 * Math.PI * 2400 * t + Math.sin(t * 40));
  }
  return x;
}

function wav16(rate: number, channels: Float32Array[]): Uint8Array {
  const frames = channels[0]!.length;
  const block = 2 * channels.length;
  const buf = new Uint8Array(44 + frames * block);
  const v = new DataView(buf.buffer);
  [..."RIFF"].forEach((c, i) => v.setUint8(i, c.charCodeAt(0)));
  v.setUint32(4, buf.length - 8, true);
  [..."WAVEfmt "].forEach((c, i) => v.setUint8(8 + i, c.charCodeAt(0)));
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true);
  v.setUint16(22, channels.length, true);
  v.setUint32(24, rate, true);
  v.setUint32(28, rate * block, true);
  v.setUint16(32, block, true);
  v.setUint16(34, 16, true);
  [..."data"].forEach((c, i) => v.setUint8(36 + i, c.charCodeAt(0)));
  v.setUint32(40, frames * block, true);
  for (let i = 0; i < frames; i++) channels.forEach((c, ch) => v.setInt16(44 + i * block + ch * 2, Math.round(c[i]! * 32767), true));
  return buf;
}

async function time(label: string, fn: () => void): Promise<void> {
  fn(); // warm-up: kernels, mel bank, window caches
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    await releaseMemory();
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  console.log(`${label.padEnd(52)} median ${(ms[Math.floor(ms.length / 2)]! / 1000).toFixed(4)} s   min ${(ms[0]! / 1000).toFixed(4)} s`);
}

const wave16k = waveformFromSamples(speechLike(16000, 16000 * seconds), 16000).samples;
const funasr = new AudioFrontend(frontendSettings(FrontendConfigSchema.parse({ frontend_conf: {} }), null));
const ominix = new AudioFrontend(frontendSettings(FrontendConfigSchema.parse({ mode: "ominix", frontend_conf: {} }), null));

console.log(`front end, ${seconds} s of audio, ${runs} runs, device ${mx.defaultDevice()}`);
await time("features (funasr: fbank + LFR), 16 kHz waveform in", () => mx.eval(funasr.features(funasr.fbank(wave16k))));
await time("features (ominix), 16 kHz waveform in", () => mx.eval(ominix.features(ominix.fbank(wave16k))));

const whisperLongest = WhisperLogMel.fromConfig({ feature_size: 128, padding: "longest", min_length: 8000 }, "bench");
const whisperWindows = WhisperLogMel.fromConfig({ feature_size: 128, padding: "max_length" }, "bench");
for (const part of [30, 60]) {
  const wave = wave16k.index(mx.Slice(0, part * 16000));
  await time(`whisper log-mel 128, unpadded (Qwen3-ASR), ${part} s`, () => whisperLongest.extract([wave]));
  await time(`whisper log-mel 128, 30 s windows (GLM-ASR), ${part} s`, () => whisperWindows.extract([wave]));
}

const dir = mkdtempSync(join(tmpdir(), "mlx-asr-bench-"));
try {
  const left = speechLike(44100, 44100 * seconds);
  const stereo = join(dir, "stereo44k.wav");
  writeFileSync(stereo, wav16(44100, [left, left.map((v) => v * 0.8)]));
  const mono16 = join(dir, "mono16k.wav");
  writeFileSync(mono16, wav16(16000, [speechLike(16000, 16000 * seconds)]));
  await time("file → features, 16 kHz mono 16-bit WAV", () => mx.eval(funasr.run(loadAudio(mono16).samples)));
  await time("file → features, 44.1 kHz stereo WAV (decode+resample)", () => mx.eval(funasr.run(loadAudio(stereo).samples)));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
