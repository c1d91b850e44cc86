/**
 * A folder of recordings transcribed to SRT files, with progress and a summary.
 * (The CLI's `bun run mlx-asr batch <folder> --resume` does this with resume and
 * atomic writes; this shows the library calls.)
 *
 *   bun examples/batch-job.ts <model> <folder> <out-folder>
 */
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { basename, extname, join } from "node:path";
import { formatTranscript, Transcriber } from "../src/index";

const [model = "funasr-qwen4b", folder = "test/fixtures/audio", out = "/tmp/mlx-asr-batch-example"] = process.argv.slice(2);
const files = readdirSync(folder)
  .filter((f) => [".wav", ".mp3", ".flac", ".m4a"].includes(extname(f).toLowerCase()))
  .map((f) => join(folder, f));

const transcriber = await Transcriber.load(model);
mkdirSync(out, { recursive: true });
const started = Date.now();
const items = await transcriber.transcribeBatch(files, {
  concurrency: 2,
  onProgress: ({ done, total, item }) => {
    const status = item.result ? `${item.result.durationSeconds.toFixed(1)} s of audio` : `failed: ${item.error?.message}`;
    console.error(`[${done}/${total}] ${item.path}: ${status}`);
    if (item.result) writeFileSync(join(out, `${basename(item.path, extname(item.path))}.srt`), formatTranscript(item.result, "srt"));
  },
});
const audio = items.reduce((s, i) => s + (i.result?.durationSeconds ?? 0), 0);
console.error(`${items.filter((i) => i.result).length}/${items.length} files, ${audio.toFixed(1)} s of audio in ${((Date.now() - started) / 1000).toFixed(1)} s → ${out}`);
