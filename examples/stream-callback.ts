/**
 * Tokens as they are decoded, through the onToken callback and the async iterator.
 *
 *   bun examples/stream-callback.ts <model> <audio file>
 *   bun examples/stream-callback.ts models/tiny test/fixtures/audio/zh_16k.wav
 */
import { Transcriber } from "../src/index";

const [model = "funasr-qwen4b", audio = "test/fixtures/audio/zh_16k.wav"] = process.argv.slice(2);
const transcriber = await Transcriber.load(model);

// 1. A callback: each piece is whole characters (a UTF-8 character is never split).
const result = await transcriber.transcribe(audio, { onToken: (piece) => process.stdout.write(piece) });
process.stdout.write(`\n(${result.timings.tokens} tokens, ${result.timings.tokensPerSecond.toFixed(1)} tokens/s)\n`);

// 2. An async iterator; its return value is the full result, whose text is the pieces joined.
const stream = transcriber.stream(audio);
let step = await stream.next();
while (!step.done) {
  process.stdout.write(`[${step.value}]`);
  step = await stream.next();
}
process.stdout.write(`\nsegments: ${JSON.stringify(step.value.segments.map(({ start, end, text }) => ({ start, end, text })))}\n`);
