/** Writes WAV bytes in every layout the reader must handle, for tests. */

export interface WavSpec {
  sampleRate: number;
  channels: Float64Array[] | number[][];
  encoding: "pcm" | "float";
  bits: 8 | 16 | 24 | 32 | 64;
  extensible?: boolean;
  formatTag?: number;
}

/** Quantizes [-1, 1] samples the way the reader will divide them back. */
export function encodeWav(spec: WavSpec): Uint8Array {
  const frames = spec.channels[0]!.length;
  const nch = spec.channels.length;
  const bytesPer = spec.bits / 8;
  const blockAlign = nch * bytesPer;
  const fmtSize = spec.extensible ? 40 : 16;
  const dataBytes = frames * blockAlign;
  const buf = new Uint8Array(12 + 8 + fmtSize + 8 + dataBytes);
  const v = new DataView(buf.buffer);
  const put = (at: number, s: string) => [...s].forEach((c, i) => v.setUint8(at + i, c.charCodeAt(0)));
  put(0, "RIFF");
  v.setUint32(4, buf.length - 8, true);
  put(8, "WAVE");
  put(12, "fmt ");
  v.setUint32(16, fmtSize, true);
  const baseTag = spec.formatTag ?? (spec.encoding === "pcm" ? 1 : 3);
  v.setUint16(20, spec.extensible ? 0xfffe : baseTag, true);
  v.setUint16(22, nch, true);
  v.setUint32(24, spec.sampleRate, true);
  v.setUint32(28, spec.sampleRate * blockAlign, true);
  v.setUint16(32, blockAlign, true);
  v.setUint16(34, spec.bits, true);
  if (spec.extensible) {
    v.setUint16(36, 22, true);
    v.setUint16(38, spec.bits, true);
    v.setUint32(40, 0, true);
    v.setUint16(44, baseTag, true);
    // rest of the KSDATAFORMAT GUID
    const guidTail = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];
    guidTail.forEach((b, i) => v.setUint8(46 + i, b));
  }
  const dataAt = 20 + fmtSize;
  put(dataAt, "data");
  v.setUint32(dataAt + 4, dataBytes, true);
  let p = dataAt + 8;
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < nch; c++) {
      const x = spec.channels[c]![i]!;
      if (spec.encoding === "float") {
        if (spec.bits === 32) v.setFloat32(p, x, true);
        else v.setFloat64(p, x, true);
      } else if (spec.bits === 8) {
        v.setUint8(p, Math.round(x * 128) + 128);
      } else if (spec.bits === 16) {
        v.setInt16(p, Math.round(x * 32768), true);
      } else if (spec.bits === 24) {
        const q = Math.round(x * 8388608);
        v.setUint8(p, q & 0xff);
        v.setUint8(p + 1, (q >> 8) & 0xff);
        v.setUint8(p + 2, (q >> 16) & 0xff);
      } else {
        v.setInt32(p, Math.round(x * 2147483648), true);
      }
      p += bytesPer;
    }
  }
  return buf;
}

/** A test tone with exactly representable sample values for `bits`. */
export function tone(frames: number, sampleRate: number, hz: number, bits: number, amplitude = 0.5): number[] {
  const q = bits >= 32 ? 2 ** 23 : 2 ** (bits - 1);
  return Array.from({ length: frames }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / sampleRate) * q) / q);
}
