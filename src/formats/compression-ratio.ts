import { deflateSync } from "node:zlib";

/**
 * Whisper's `compression_ratio`: the text's UTF-8 length over its zlib-compressed
 * length (`len(b) / len(zlib.compress(b))`). Repetitive, hallucinated text
 * compresses well and scores high (Whisper distrusts above 2.4). The exact
 * value depends by a few bytes on the zlib build doing the compressing.
 */
export function compressionRatio(text: string): number {
  const bytes = new TextEncoder().encode(text);
  return bytes.length / deflateSync(bytes).length;
}
