/**
 * RSS over a long KV-cached decode, under whichever runtime runs this (Bun or Deno):
 * the fixture decoder (test/fixtures/model/decoder, the tiny one of the decode-memory
 * test) through the generation core, RSS sampled every 25 steps after a warm-up.
 * Prints one JSON line.
 *
 *   bun scripts/decode-memory.ts [steps=1000]
 *   deno run -A --v8-flags=--expose-gc scripts/decode-memory.ts [steps=1000]
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { mx } from "../src/engine/mlx";
import { Qwen3Decoder } from "../src/models/qwen3-decoder";
import { decodeTokens } from "../src/pipeline/generate";
import { GREEDY } from "../src/pipeline/sampling";
import { collectGarbage, runtimeName } from "../src/runtime";

const DECODER = join(dirname(fileURLToPath(import.meta.url)), "..", "test", "fixtures", "model", "decoder");
const WARM_UP = 100;

export interface DecodeMemory {
  readonly runtime: string;
  readonly steps: number;
  readonly baselineMb: number;
  readonly peakMb: number;
  readonly growthMb: number;
}

export async function measureDecodeMemory(steps: number): Promise<DecodeMemory> {
  const decoder = await Qwen3Decoder.load(DECODER);
  const prompt = decoder.embed(mx.array([Array.from({ length: 64 }, (_, i) => (i * 7) % 1000)], mx.int32));
  let done = 0;
  let baseline = 0;
  let peak = 0;
  for await (const _ of decodeTokens(decoder, prompt, { maxTokens: steps, stopIds: new Set(), sampling: GREEDY })) {
    done++;
    if (done === WARM_UP) {
      collectGarbage();
      baseline = process.memoryUsage().rss;
    }
    if (done > WARM_UP && done % 25 === 0) peak = Math.max(peak, process.memoryUsage().rss);
  }
  const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
  return { runtime: runtimeName(), steps: done, baselineMb: mb(baseline), peakMb: mb(peak), growthMb: mb(peak - baseline) };
}

if (import.meta.main) {
  const steps = Number(process.argv[2] ?? 1000);
  process.stdout.write(`${JSON.stringify(await measureDecodeMemory(steps))}\n`);
}
