/**
 * WAV sample bytes → float32 frames in [-1, 1], with tensor ops: integers are
 * divided by 2^(bits−1) (8-bit PCM is unsigned, (u − 128)/128), as torchaudio
 * does; A-law and μ-law are a look-up of their G.711 16-bit value, then ÷ 32768.
 */
import { mx, type Tensor } from "../engine/mlx";
import { toTensor } from "../engine/transfer";
import { ALAW_TO_LINEAR, MULAW_TO_LINEAR } from "./g711";
import type { WavFormat } from "./wav";

type SampleLayout = Pick<WavFormat, "encoding" | "bitsPerSample" | "channels">;

let alawTable: Tensor | null = null;
let mulawTable: Tensor | null = null;

/** The bytes copied to an aligned buffer of their own, so typed views of any width fit. */
function aligned(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

function values(bytes: Uint8Array, layout: SampleLayout): Tensor {
  const { encoding, bitsPerSample: bits } = layout;
  if (encoding === "float") return toTensor(bits === 32 ? new Float32Array(aligned(bytes)) : new Float32Array(new Float64Array(aligned(bytes))));
  if (encoding === "alaw" || encoding === "mulaw") {
    const codes = toTensor(new Float32Array(bytes)).astype(mx.int32);
    const linear = encoding === "alaw" ? (alawTable ??= toTensor(ALAW_TO_LINEAR)) : (mulawTable ??= toTensor(MULAW_TO_LINEAR));
    return mx.divide(mx.take(linear, codes, 0), 32768);
  }
  switch (bits) {
    case 8:
      return mx.divide(mx.subtract(toTensor(new Float32Array(bytes)), 128), 128);
    case 16:
      return mx.divide(toTensor(new Float32Array(new Int16Array(aligned(bytes)))), 32768);
    case 24: {
      // Little-endian three-byte integers, assembled exactly in float32 (all below 2^24).
      const parts = toTensor(new Float32Array(bytes)).reshape([-1, 3]);
      const unsigned = mx.sum(mx.multiply(parts, mx.array([1, 256, 65536], mx.float32)), 1);
      const signed = mx.where(mx.greaterEqual(unsigned, 2 ** 23), mx.subtract(unsigned, 2 ** 24), unsigned);
      return mx.divide(signed, 2 ** 23);
    }
    default:
      return mx.divide(toTensor(new Float32Array(new Int32Array(aligned(bytes)))), 2 ** 31);
  }
}

/** Whole frames of interleaved sample bytes → `[frames, channels]` float32. */
export function decodeSamples(bytes: Uint8Array, layout: SampleLayout): Tensor {
  const frameBytes = layout.channels * (layout.bitsPerSample / 8);
  const frames = Math.floor(bytes.length / frameBytes);
  if (frames === 0) return mx.zeros([0, layout.channels], mx.float32);
  return values(bytes.subarray(0, frames * frameBytes), layout).reshape([frames, layout.channels]);
}
