/** A streamed transcription as OpenAI's events: text deltas, then the whole text. */
import type { EngineOptions, SpeechEngine } from "./engine";

export type TranscriptStreamEvent =
  | { readonly type: "transcript.text.delta"; readonly delta: string }
  | { readonly type: "transcript.text.done"; readonly text: string };

export async function* transcriptEvents(engine: SpeechEngine, audioPath: string, options: EngineOptions): AsyncGenerator<TranscriptStreamEvent, void, undefined> {
  const pieces = engine.stream(audioPath, options);
  try {
    let next = await pieces.next();
    while (!next.done) {
      yield { type: "transcript.text.delta", delta: next.value };
      next = await pieces.next();
    }
    yield { type: "transcript.text.done", text: next.value.text };
  } finally {
    // Closing the engine's stream early cancels its job and waits for the engine to be free.
    await pieces.return(undefined as never);
  }
}
