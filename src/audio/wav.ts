/**
 * WAV headers: the RIFF structure is checked here before any sample is read,
 * from a prefix of the bytes, so that a file can then be read window by window
 * and a stream (stdin, ffmpeg's pipe) as it arrives.
 */
import { AudioError } from "../errors";

export type WavEncoding = "pcm" | "float" | "alaw" | "mulaw";

export interface WavFormat {
  readonly encoding: WavEncoding;
  readonly channels: number;
  readonly sampleRate: number;
  readonly bitsPerSample: number;
  readonly blockAlign: number;
  /** Where the samples start. */
  readonly dataOffset: number;
  /** Whole frames' bytes, or null when the header leaves the length open (a stream written before its end was known). */
  readonly dataBytes: number | null;
}

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_ALAW = 0x0006;
const WAVE_FORMAT_MULAW = 0x0007;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
/** The chunk size streaming writers (ffmpeg to a pipe, recorders) put before they know the length. */
const OPEN_LENGTH = 0xffffffff;

const ENCODING_BY_TAG: Readonly<Record<number, WavEncoding>> = {
  [WAVE_FORMAT_PCM]: "pcm",
  [WAVE_FORMAT_IEEE_FLOAT]: "float",
  [WAVE_FORMAT_ALAW]: "alaw",
  [WAVE_FORMAT_MULAW]: "mulaw",
};

const VALID_BITS: Readonly<Record<WavEncoding, readonly number[]>> = {
  pcm: [8, 16, 24, 32],
  float: [32, 64],
  alaw: [8],
  mulaw: [8],
};

/** Names of encodings people meet in practice, for the error message. */
const KNOWN_UNSUPPORTED: Readonly<Record<number, string>> = {
  0x0002: "Microsoft ADPCM",
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

/** How much of the whole input `bytes` is: a complete file, a file's prefix, or a stream's prefix. */
export interface HeaderInput {
  /** Total size in bytes when known (a file); null for a stream. */
  readonly totalBytes: number | null;
  /** True when `bytes` holds everything there is (the whole file, or a stream that ended). */
  readonly complete: boolean;
}

/**
 * Parses and validates the RIFF/WAVE header found in `bytes` (a prefix of the
 * input); null when the prefix ends before the data chunk starts and more bytes
 * may follow. Throws AudioError naming the file.
 */
export function parseWavHeader(bytes: Uint8Array, file: string, input: HeaderInput = { totalBytes: bytes.length, complete: true }): WavFormat | null {
  const fail = (code: string, detail: string) => new AudioError(code, file, detail);
  const more = !input.complete;
  if (bytes.length === 0 && !more) throw fail("AUDIO_EMPTY", "file is empty (0 bytes)");
  if (bytes.length < 12 && more) return null;
  if (bytes.length < 12 || fourcc(bytes, 0) !== "RIFF" || fourcc(bytes, 8) !== "WAVE") {
    if (bytes.length >= 4 && fourcc(bytes, 0) === "RIFF" && bytes.length < 12) throw fail("AUDIO_TRUNCATED", "RIFF header is truncated (no WAVE tag)");
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
      if (body + size > bytes.length) {
        if (more) return null;
        throw fail("AUDIO_TRUNCATED", "header is truncated inside the fmt chunk");
      }
      fmt = parseFmt(view, body, size, fail);
    } else if (id === "data") {
      if (!fmt) throw fail("AUDIO_BAD_HEADER", "data chunk comes before any fmt chunk");
      return { ...fmt, dataOffset: body, dataBytes: dataLength(size, body, fmt.blockAlign, input, fail) };
    }
    pos = body + size + (size % 2);
  }
  if (more) return null;
  if (!fmt) throw fail(pos + 8 > bytes.length && pos < bytes.length ? "AUDIO_TRUNCATED" : "AUDIO_BAD_HEADER", "no fmt chunk before the end of the file");
  throw fail("AUDIO_TRUNCATED", "no data chunk before the end of the file");
}

function dataLength(
  size: number,
  body: number,
  blockAlign: number,
  input: HeaderInput,
  fail: (code: string, detail: string) => AudioError,
): number | null {
  if (input.totalBytes === null) {
    // A stream: an open length (or 0, which some writers leave) means "until the stream ends".
    if (size === OPEN_LENGTH || size === 0) return null;
    return size - (size % blockAlign);
  }
  const available = input.totalBytes - body;
  if (size > available) throw fail("AUDIO_TRUNCATED", `data chunk declares ${size} bytes but only ${available} follow (file truncated?)`);
  const whole = size - (size % blockAlign);
  if (whole === 0) throw fail("AUDIO_EMPTY", "contains no samples (empty data chunk)");
  return whole;
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
  const encoding = ENCODING_BY_TAG[tag];
  if (!encoding) {
    const name = KNOWN_UNSUPPORTED[tag] ?? `format tag 0x${tag.toString(16).padStart(4, "0")}`;
    throw fail("AUDIO_UNSUPPORTED_ENCODING", `${name} WAV is not supported; use PCM, float, A-law or mu-law WAV (or convert with ffmpeg)`);
  }
  if (channels === 0) throw fail("AUDIO_BAD_HEADER", "header declares 0 channels");
  if (sampleRate === 0) throw fail("AUDIO_BAD_HEADER", "header declares a sample rate of 0 Hz");
  if (!VALID_BITS[encoding].includes(bitsPerSample)) {
    const kind = { pcm: "integer PCM", float: "float", alaw: "A-law", mulaw: "mu-law" }[encoding];
    throw fail("AUDIO_UNSUPPORTED_ENCODING", `${bitsPerSample}-bit ${kind} is not supported`);
  }
  if (blockAlign !== channels * (bitsPerSample / 8)) {
    throw fail("AUDIO_BAD_HEADER", `block align ${blockAlign} does not match ${channels} channel(s) of ${bitsPerSample} bits`);
  }
  return { encoding, channels, sampleRate, bitsPerSample, blockAlign };
}
