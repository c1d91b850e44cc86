/** Audio for tests: fixture speech, and longer recordings assembled from it. */
import { writeFileSync } from "node:fs";
import { loadAudio } from "../../src/audio/load";
import { toFloat32Array } from "../../src/engine/transfer";
import { FIXTURES } from "./fixtures";
import { encodeWav } from "./wav";
import { join } from "node:path";

export const SPEECH_ZH = join(FIXTURES, "audio", "zh_16k.wav");
export const SPEECH_EN = join(FIXTURES, "audio", "en_16k.wav");

/** `repeats` × (speech + `gapSeconds` of silence), 16 kHz mono. */
export function longSpeech(repeats: number, gapSeconds = 1, file = SPEECH_ZH): Float32Array {
  const speech = toFloat32Array(loadAudio(file).samples);
  const gap = Math.round(gapSeconds * 16000);
  const out = new Float32Array(repeats * (speech.length + gap));
  for (let i = 0; i < repeats; i++) out.set(speech, i * (speech.length + gap));
  return out;
}

export function writeWav(path: string, samples: Float32Array, sampleRate = 16000): string {
  writeFileSync(path, encodeWav({ sampleRate, channels: [Array.from(samples)], encoding: "float", bits: 32 }));
  return path;
}
