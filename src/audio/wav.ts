/**
 * WAV files: the RIFF structure is checked here (wav-decoder trusts it and reads
 * past the end of truncated files), then the samples are decoded by wav-decoder.
 */
import wavDecoder from "wav-decoder";
import { AudioError } from "../errors";

export interface DecodedAudio {
  readonly sampleRate: number;
  /** One array per channel, values in [-1, 1]. */
  readonly channels: Float32Array[];
  /** Integer PCM at 8 bits is unsigned and needs a different offset (see load.ts). */
  readonly unsigned8Bit: boolean;
}

export interface WavFormat {
  readonly encoding: "pcm" | "float";
  readonly channels: number;
  readonly sampleRate: number;
  readonly bitsPerSample: number;
  readonly blockAlign: number;
  readonly dataOffset: number;
  readonly dataBytes: number;
}

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/** Names of encodings people meet in practice, for the error message. */
const KNOWN_UNSUPPORTED: Readonly<Record<number, string>> = {
  0x0002: "Microsoft ADPCM",
  0x0006: "A-law",
  0x0007: "mu-law",
  0x0011: "IMA ADPCM",
  0x0031: "GSM 6.10",
  0x0050: "MPEG",
  0x0055: "MP3",
};

function fourcc(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);
}

export function startsWithRiff(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && fourcc(bytes, 0) === "RIFF";
}

/** Parses and validates the RIFF/WAVE header; throws AudioError naming the file. */
export function parseWavHeader(bytes: Uint8Array, file: string): WavFormat {
  const fail = (code: string, detail: string) => new AudioError(code, file, detail);
  if (bytes.length === 0) throw fail("AUDIO_EMPTY", "file is empty (0 bytes)");
  if (bytes.length < 12 || fourcc(bytes, 0) !== "RIFF" || fourcc(bytes, 8) !== "WAVE") {
    if (bytes.length >= 4 && fourcc(bytes, 0) === "RIFF") throw fail("AUDIO_TRUNCATED", "RIFF header is truncated (no WAVE tag)");
    throw fail("AUDIO_NOT_WAV", "not a RIFF/WAVE file");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 12;
  let fmt: Omit<WavFormat, "dataOffset" | "dataBytes"> | undefined;
  while (pos + 8 <= bytes.length) {
    const id = fourcc(bytes, pos);
    const size = view.getUint32(pos + 4, true);
    const body = pos + 8;
    if (id === "fmt ") {
      if (size < 16) throw fail("AUDIO_BAD_HEADER", `fmt chunk is ${size} bytes, expected at least 16`);
      if (body + size > bytes.length) throw fail("AUDIO_TRUNCATED", "header is truncated inside the fmt chunk");
      fmt = parseFmt(view, body, size, fail);
    } else if (id === "data") {
      if (!fmt) throw fail("AUDIO_BAD_HEADER", "data chunk comes before any fmt chunk");
      const available = bytes.length - body;
      if (size > available) {
        throw fail("AUDIO_TRUNCATED", `data chunk declares ${size} bytes but only ${available} follow (file truncated?)`);
      }
      const dataBytes = size - (size % fmt.blockAlign);
      if (dataBytes === 0) throw fail("AUDIO_EMPTY", "contains no samples (empty data chunk)");
      return { ...fmt, dataOffset: body, dataBytes };
    }
    pos = body + size + (size % 2);
  }
  if (!fmt) throw fail(pos + 8 > bytes.length && pos < bytes.length ? "AUDIO_TRUNCATED" : "AUDIO_BAD_HEADER", "no fmt chunk before the end of the file");
  throw fail("AUDIO_TRUNCATED", "no data chunk before the end of the file");
}

function parseFmt(
  view: DataView,
  at: number,
  size: number,
  fail: (code: string, detail: string) => AudioError,
): Omit<WavFormat, "dataOffset" | "dataBytes"> {
  let tag = view.getUint16(at, true);
  const channels = view.getUint16(at + 2, true);
  const sampleRate = view.getUint32(at + 4, true);
  const blockAlign = view.getUint16(at + 12, true);
  const bitsPerSample = view.getUint16(at + 14, true);
  if (tag === WAVE_FORMAT_EXTENSIBLE) {
    if (size < 40) throw fail("AUDIO_BAD_HEADER", `WAVE_FORMAT_EXTENSIBLE fmt chunk is ${size} bytes, expected 40`);
    tag = view.getUint16(at + 24, true);
  }
  if (tag !== WAVE_FORMAT_PCM && tag !== WAVE_FORMAT_IEEE_FLOAT) {
    const name = KNOWN_UNSUPPORTED[tag] ?? `format tag 0x${tag.toString(16).padStart(4, "0")}`;
    throw fail("AUDIO_UNSUPPORTED_ENCODING", `${name} WAV is not supported; use PCM or float WAV (or convert with ffmpeg)`);
  }
  if (channels === 0) throw fail("AUDIO_BAD_HEADER", "header declares 0 channels");
  if (sampleRate === 0) throw fail("AUDIO_BAD_HEADER", "header declares a sample rate of 0 Hz");
  const encoding = tag === WAVE_FORMAT_PCM ? "pcm" : "float";
  const valid = encoding === "pcm" ? [8, 16, 24, 32] : [32, 64];
  if (!valid.includes(bitsPerSample)) {
    throw fail("AUDIO_UNSUPPORTED_ENCODING", `${bitsPerSample}-bit ${encoding === "pcm" ? "integer PCM" : "float"} is not supported`);
  }
  if (blockAlign !== channels * (bitsPerSample / 8)) {
    throw fail("AUDIO_BAD_HEADER", `block align ${blockAlign} does not match ${channels} channel(s) of ${bitsPerSample} bits`);
  }
  return { encoding, channels, sampleRate, bitsPerSample, blockAlign };
}

/** A minimal canonical WAV (fmt tag 1 or 3, 16-byte fmt) holding the same samples. */
function canonicalWav(bytes: Uint8Array, f: WavFormat): ArrayBuffer {
  const out = new ArrayBuffer(44 + f.dataBytes);
  const view = new DataView(out);
  const put = (at: number, s: string) => [...s].forEach((c, i) => view.setUint8(at + i, c.charCodeAt(0)));
  put(0, "RIFF");
  view.setUint32(4, 36 + f.dataBytes, true);
  put(8, "WAVE");
  put(12, "fmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, f.encoding === "pcm" ? WAVE_FORMAT_PCM : WAVE_FORMAT_IEEE_FLOAT, true);
  view.setUint16(22, f.channels, true);
  view.setUint32(24, f.sampleRate, true);
  view.setUint32(28, f.sampleRate * f.blockAlign, true);
  view.setUint16(32, f.blockAlign, true);
  view.setUint16(34, f.bitsPerSample, true);
  put(36, "data");
  view.setUint32(40, f.dataBytes, true);
  new Uint8Array(out, 44).set(bytes.subarray(f.dataOffset, f.dataOffset + f.dataBytes));
  return out;
}

/** Validates and decodes WAV bytes into per-channel float samples. */
export function decodeWav(bytes: Uint8Array, file: string): DecodedAudio {
  const format = parseWavHeader(bytes, file);
  let decoded: { sampleRate: number; channelData: Float32Array[] };
  try {
    // symmetric: integers are divided by 2^(bits-1), as torchaudio does.
    decoded = wavDecoder.decode.sync(canonicalWav(bytes, format), { symmetric: true });
  } catch (e) {
    throw new AudioError("AUDIO_DECODE_FAILED", file, `WAV samples could not be decoded (${(e as Error).message})`);
  }
  return {
    sampleRate: decoded.sampleRate,
    channels: decoded.channelData,
    unsigned8Bit: format.encoding === "pcm" && format.bitsPerSample === 8,
  };
}
