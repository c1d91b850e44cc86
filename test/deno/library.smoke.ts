/** The library under Deno: Transcriber, tokens streamed to a callback and by the iterator. */
import assert from "node:assert/strict";
import { Transcriber } from "../../src/index.ts";
import { AUDIO, smokeTest, tinyModel, underBun } from "./harness.ts";

smokeTest({ name: "Transcriber streams tokens to a callback; their text is the transcript Bun's command line prints", fn: async () => {
  const model = await tinyModel();
  const transcriber = await Transcriber.load(model);
  const pieces: string[] = [];
  const result = await transcriber.transcribe(AUDIO, { onToken: (piece) => pieces.push(piece) });
  assert.ok(pieces.length > 0);
  assert.ok(result.timings.tokens > 0);
  assert.equal(pieces.join(""), result.text);
  const bun = underBun(["transcribe", "--model", model, "--format", "json", AUDIO]);
  assert.equal(bun.status, 0, bun.stderr);
  assert.equal(result.text, JSON.parse(bun.stdout).text);

  const stream = transcriber.stream(AUDIO);
  const streamed: string[] = [];
  let step = await stream.next();
  while (!step.done) {
    streamed.push(step.value);
    step = await stream.next();
  }
  assert.equal(streamed.join(""), step.value.text);
  assert.equal(step.value.text, result.text);
} });
