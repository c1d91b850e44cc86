/**
 * Multimodal injection: the prompt's token embeddings with the audio slots
 * overwritten by adaptor frames. Positions are
 * plain 0..L−1 and the causal mask covers the whole sequence, audio included.
 */
import { ConfigError } from "../errors";
import { mx, type Tensor } from "../engine/mlx";
import type { CausalLM } from "../nn/parts";

export interface AudioSpan {
  readonly start: number;
  readonly end: number;
}

/** The contiguous span the positions form; prompts here have one audio span. */
export function spanOf(positions: readonly number[], source: string): AudioSpan {
  const start = positions[0] ?? 0;
  if (positions.some((p, i) => p !== start + i)) {
    throw new ConfigError("PROMPT_INVALID", source, "audio_positions must be one contiguous run");
  }
  return { start, end: start + positions.length };
}

/**
 * `ids` (length L) with `audio [N, H]` written over `span` (N = end − start)
 * → `[1, L, H]` in the decoder's dtype.
 */
export function injectAudio(decoder: CausalLM, ids: readonly number[], span: AudioSpan, audio: Tensor): Tensor {
  const frames = audio.shape[0]!;
  if (frames !== span.end - span.start) {
    throw new Error(`audio span [${span.start}, ${span.end}) holds ${span.end - span.start} slots but ${frames} frames were given`);
  }
  const tokens = mx.array([...ids], mx.int32).reshape([1, ids.length]);
  const text = decoder.embed(tokens);
  const parts = [
    text.index(mx.Slice(), mx.Slice(0, span.start)),
    audio.astype(decoder.dtype).reshape([1, frames, audio.shape[1]!]),
    text.index(mx.Slice(), mx.Slice(span.end, ids.length)),
  ];
  return mx.concatenate(parts, 1);
}
