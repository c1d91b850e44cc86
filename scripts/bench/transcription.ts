/**
 * One timed transcription through an end-to-end row's parts: a waveform in
 * memory → front end → encoder → adaptor (`[N, H]` rows, evaluated) → the rows
 * written over the audio slots of a stand-in prompt → float32 prefill and greedy
 * tokens from `decodeTokens` with no stop ids (so exactly `tokens` of them).
 */
import { mx, type Tensor } from "../../src/engine/mlx";
import { decodeTokens } from "../../src/pipeline/generate";
import { injectAudio } from "../../src/pipeline/injection";
import { GREEDY } from "../../src/pipeline/sampling";
import type { AudioPipeline } from "./pipelines";
import { standInPrompt } from "./stand-in-prompt";
import type { PromptShape } from "./tasks";

/** Seconds of each stage of one transcription. */
export interface StageSeconds {
  readonly total: number;
  readonly frontend: number;
  readonly encoderAdaptor: number;
  /** From the audio rows until the first token is yielded (prefill + first sample). */
  readonly prefill: number;
  /** From the waveform until the first token is yielded. */
  readonly firstToken: number;
  readonly decode: number;
  readonly tokens: number;
  readonly audioRows: number;
  /** Positions the prefill ran: prompt tokens + audio rows. */
  readonly positions: number;
}

export async function transcribeOnce(p: AudioPipeline, wave: Tensor, prompt: PromptShape, tokens: number): Promise<StageSeconds> {
  const t0 = performance.now();
  const { features, lengths } = p.features.extract([wave], ["bench audio"]);
  const t1 = performance.now();
  const encoded = p.encoder.encode(features, lengths);
  const adapted = p.adaptor.adapt(encoded.frames, encoded.lengths);
  const audio = adapted.frames.index(0, mx.Slice(0, adapted.lengths[0]!));
  mx.eval(audio);
  const t2 = performance.now();
  const rows = audio.shape[0]!;
  const { ids, audio: span } = standInPrompt(prompt, rows);
  const embeds = injectAudio(p.decoder, ids, span, audio);
  let firstAt = 0;
  let count = 0;
  for await (const _ of decodeTokens(p.decoder, embeds, { maxTokens: tokens, stopIds: new Set(), sampling: GREEDY })) {
    if (count++ === 0) firstAt = performance.now();
  }
  const t3 = performance.now();
  const s = (ms: number) => ms / 1000;
  return {
    total: s(t3 - t0),
    frontend: s(t1 - t0),
    encoderAdaptor: s(t2 - t1),
    prefill: s(firstAt - t2),
    firstToken: s(firstAt - t0),
    decode: s(t3 - firstAt),
    tokens: count,
    audioRows: rows,
    positions: ids.length,
  };
}
