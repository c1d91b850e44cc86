/**
 * The prompt an audio row is injected into: stand-in text ids of the family's
 * prompt's length around the audio slots. Random weights make the real tokens
 * no more meaningful than these; only the positions the prefill runs matter.
 * The peers build the same ids (scripts/peer/bench_common.py `prompt_ids`).
 */
import type { AudioSpan } from "../../src/pipeline/injection";
import type { PromptShape } from "./tasks";

const FIRST_ID_BEFORE = 100;
const FIRST_ID_AFTER = 200;
/** The id written into the audio slots (its embedding is overwritten). */
const AUDIO_SLOT_ID = 0;

export interface StandInPrompt {
  readonly ids: readonly number[];
  readonly audio: AudioSpan;
}

const range = (start: number, count: number) => Array.from({ length: count }, (_, i) => start + i);

export function standInPrompt(shape: PromptShape, audioRows: number): StandInPrompt {
  const ids = [...range(FIRST_ID_BEFORE, shape.before), ...new Array<number>(audioRows).fill(AUDIO_SLOT_ID), ...range(FIRST_ID_AFTER, shape.after)];
  return { ids, audio: { start: shape.before, end: shape.before + audioRows } };
}
