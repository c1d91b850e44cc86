/**
 * ITU-T G.711 A-law and μ-law expansion to 16-bit linear PCM, as tables of the
 * 256 codes (the reference expansion of the recommendation, as in Sun's g711.c
 * `alaw2linear` / `ulaw2linear`, which ffmpeg's pcm_alaw/pcm_mulaw decoders use).
 */

const SIGN_BIT = 0x80;
const QUANT_MASK = 0x0f;
const SEG_MASK = 0x70;
const SEG_SHIFT = 4;
const MULAW_BIAS = 0x84;

function alawToLinear(code: number): number {
  const a = code ^ 0x55;
  let t = (a & QUANT_MASK) << 4;
  const segment = (a & SEG_MASK) >> SEG_SHIFT;
  if (segment === 0) t += 8;
  else t = (t + 0x108) << (segment - 1);
  return a & SIGN_BIT ? t : -t;
}

function mulawToLinear(code: number): number {
  const u = ~code & 0xff;
  const t = (((u & QUANT_MASK) << 3) + MULAW_BIAS) << ((u & SEG_MASK) >> SEG_SHIFT);
  return u & SIGN_BIT ? MULAW_BIAS - t : t - MULAW_BIAS;
}

function table(expand: (code: number) => number): Float32Array {
  return Float32Array.from({ length: 256 }, (_, code) => expand(code));
}

/** 16-bit linear value of each 8-bit code. */
export const ALAW_TO_LINEAR: Float32Array = table(alawToLinear);
export const MULAW_TO_LINEAR: Float32Array = table(mulawToLinear);
