/** WAV files: the RIFF parser and decoder (src/audio/wav.ts), then the waveform checks and resampling (src/audio/load.ts). */
import { waveformFromWavBytes } from "../../../src/audio/load";
import { mx } from "../../../src/engine/mlx";
import type { LengthField, Seed } from "../mutate";
import type { FuzzTarget } from "../target";

interface WavShape {
  readonly tag: number;
  readonly bits: number;
  readonly channels: number;
  readonly rate: number;
  readonly frames: number;
  readonly extensible?: boolean;
  /** A LIST chunk before the data, as many editors write. */
  readonly listChunk?: boolean;
}

function makeWav(s: WavShape): Seed {
  const block = s.channels * (s.bits / 8);
  const fmtSize = s.extensible ? 40 : 16;
  const list = s.listChunk ? 8 + 12 : 0;
  const dataAt = 12 + 8 + fmtSize + list;
  const bytes = new Uint8Array(dataAt + 8 + s.frames * block);
  const v = new DataView(bytes.buffer);
  const put = (at: number, text: string) => [...text].forEach((c, i) => (bytes[at + i] = c.charCodeAt(0)));
  put(0, "RIFF");
  v.setUint32(4, bytes.length - 8, true);
  put(8, "WAVE");
  put(12, "fmt ");
  v.setUint32(16, fmtSize, true);
  v.setUint16(20, s.extensible ? 0xfffe : s.tag, true);
  v.setUint16(22, s.channels, true);
  v.setUint32(24, s.rate, true);
  v.setUint32(28, s.rate * block, true);
  v.setUint16(32, block, true);
  v.setUint16(34, s.bits, true);
  if (s.extensible) {
    v.setUint16(36, 22, true);
    v.setUint16(38, s.bits, true);
    v.setUint16(44, s.tag, true);
  }
  if (s.listChunk) {
    put(20 + fmtSize, "LIST");
    v.setUint32(24 + fmtSize, 12, true);
    put(28 + fmtSize, "INFOISFT");
  }
  put(dataAt, "data");
  v.setUint32(dataAt + 4, s.frames * block, true);
  for (let i = 0; i < s.frames * s.channels; i++) {
    const x = Math.sin(i * 0.05) * 0.5;
    const at = dataAt + 8 + i * (s.bits / 8);
    if (s.tag === 3) s.bits === 32 ? v.setFloat32(at, x, true) : v.setFloat64(at, x, true);
    else if (s.bits === 8) v.setUint8(at, Math.round(x * 127) + 128);
    else if (s.bits === 16) v.setInt16(at, Math.round(x * 32767), true);
    else if (s.bits === 24) {
      const q = Math.round(x * 8388607);
      v.setUint8(at, q & 0xff);
      v.setInt16(at + 1, q >> 8, true);
    } else v.setInt32(at, Math.round(x * 2147483647), true);
  }
  const fields: LengthField[] = [
    { at: 4, width: 4 },
    { at: 16, width: 4 },
    { at: 22, width: 2 },
    { at: 24, width: 4 },
    { at: 28, width: 4 },
    { at: 32, width: 2 },
    { at: 34, width: 2 },
    { at: dataAt + 4, width: 4 },
    ...(s.listChunk ? [{ at: 24 + fmtSize, width: 4 as const }] : []),
    ...(s.extensible ? [{ at: 36, width: 2 as const }, { at: 44, width: 2 as const }] : []),
  ];
  const name = `${s.tag === 3 ? "float" : "pcm"}${s.bits}-${s.channels}ch-${s.rate}${s.extensible ? "-ext" : ""}${s.listChunk ? "-list" : ""}`;
  return { name, bytes, hot: [[0, dataAt + 8]], lengthFields: fields };
}

const SHAPES: WavShape[] = [
  { tag: 1, bits: 16, channels: 1, rate: 16000, frames: 400 },
  { tag: 1, bits: 16, channels: 2, rate: 44100, frames: 300, listChunk: true },
  { tag: 1, bits: 8, channels: 1, rate: 8000, frames: 200 },
  { tag: 1, bits: 24, channels: 1, rate: 48000, frames: 300 },
  { tag: 1, bits: 32, channels: 3, rate: 22050, frames: 100, extensible: true },
  { tag: 3, bits: 32, channels: 1, rate: 16000, frames: 300 },
  { tag: 3, bits: 64, channels: 2, rate: 32000, frames: 100, extensible: true },
];

export const wavTarget: FuzzTarget = {
  name: "wav",
  seeds: () => SHAPES.map(makeWav),
  run(input) {
    const waveform = waveformFromWavBytes(input, "fuzz.wav", { maxSeconds: 600 });
    mx.eval(waveform.samples);
    return `${waveform.samples.shape[0]} samples`;
  },
  allowedFiles: () => [],
};
