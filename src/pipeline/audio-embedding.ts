/**
 * One piece of audio → the frames the LLM receives: features → encoder →
 * adaptor (for Fun-ASR-Nano, only its first fake_token_len frames).
 */
import { mx, type Tensor } from "../engine/mlx";
import type { AudioStack } from "./loaded-model";

export interface AudioEmbeddingTimings {
  frontendMs: number;
  encoderMs: number;
}

/** `samples [S]` → `[N, H]` evaluated; `timings` accumulates the time spent. */
export function embedAudio(stack: AudioStack, samples: Tensor, source: string, timings?: AudioEmbeddingTimings): Tensor {
  const t0 = performance.now();
  const features = stack.frontend.run(samples, source);
  const t1 = performance.now();
  const encoded = stack.encoder.forward(features.reshape([1, ...features.shape]));
  let frames: Tensor;
  if (stack.adaptor.kind === "qwen4b") {
    frames = stack.adaptor.net.forward(encoded).index(0);
  } else {
    const out = stack.adaptor.net.forward(encoded);
    frames = out.frames.index(0, mx.Slice(0, out.llmLengths[0]!));
  }
  mx.eval(frames);
  if (timings) {
    timings.frontendMs += t1 - t0;
    timings.encoderMs += performance.now() - t1;
  }
  return frames;
}
