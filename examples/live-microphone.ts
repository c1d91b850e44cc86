/**
 * Live transcription of the default microphone (captured by ffmpeg): the committed
 * text, with the tentative tail after it, redrawn as you speak; Ctrl-C finishes and
 * prints the final transcript.
 *
 *   bun examples/live-microphone.ts [model] [language]
 *   bun examples/live-microphone.ts qwen3-asr auto
 */
import { openMicrophone, Transcriber } from "../src/index";

const [model = "qwen3-asr", language = "auto"] = process.argv.slice(2);
const asr = await Transcriber.load(model);
const live = asr.live({
  language,
  onUpdate: ({ committed, tentative, chunk }) => {
    const behind = chunk.realTimeFactor > 1 ? "  (this machine is not keeping up)" : "";
    process.stdout.write(`\r\x1b[K${committed.slice(-60)}\x1b[2m${tentative}\x1b[0m${behind}`);
  },
});

const microphone = await openMicrophone();
const stop = new AbortController();
process.once("SIGINT", () => stop.abort());
process.stdout.write("listening; Ctrl-C to finish\n");
for await (const block of microphone.blocks(stop.signal)) live.feed(block.samples, block.sampleRate);
await microphone.close();

const result = await live.finish();
process.stdout.write(`\n\n${result.text}\n(${result.durationSeconds.toFixed(1)} s, real-time factor ${result.timings.realTimeFactor.toFixed(2)})\n`);
