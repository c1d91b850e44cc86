/**
 * The prompt start a live pass keeps for the next: the positions it reuses give the
 * logits and tokens of a fresh prefill of the whole prompt (float32 rounding apart),
 * and anything that changes the start — its text, a window let go — starts afresh.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { mx, type Tensor } from "../../../src/engine/mlx";
import { toTensor } from "../../../src/engine/transfer";
import { Qwen3Decoder } from "../../../src/models/qwen3-decoder";
import { KVCache } from "../../../src/nn/kv-cache";
import type { DecoderCache } from "../../../src/nn/parts";
import { PromptPrefixCache } from "../../../src/pipeline/live/prompt-prefix-cache";
import { difference } from "../../helpers/compare";
import { MODEL_DIR } from "../../helpers/fixtures";
import { seededRandom } from "../../helpers/seeded-random";
import { allowSlowTests } from "../../helpers/timeout";

allowSlowTests();

const llm = await Qwen3Decoder.load(join(MODEL_DIR, "decoder"));
const random = seededRandom(7);

function rows(n: number): Tensor {
  return toTensor(Float32Array.from({ length: n * llm.hiddenSize }, () => random() - 0.5), [n, llm.hiddenSize]);
}

/** The prompt's embeddings: `lead` ids, audio rows, then `tail` ids. */
function prompt(lead: number[], audio: Tensor[], tail: number[]): Tensor {
  const text = (ids: number[]) => llm.embed(mx.array([ids], mx.int32));
  return mx.concatenate([text(lead), mx.concatenate(audio, 0).reshape([1, -1, llm.hiddenSize]), text(tail)], 1);
}

function lastLogits(embeds: Tensor, cache: DecoderCache, from = 0): Tensor {
  return llm.forward(embeds.index(mx.Slice(), mx.Slice(from)), cache).reshape([-1]);
}

function greedy(logits: Tensor, cache: DecoderCache, steps: number): number[] {
  const tokens: number[] = [];
  for (let i = 0; i < steps; i++) {
    const id = Number(mx.argmax(logits, 0).item());
    tokens.push(id);
    logits = llm.forward(llm.embed(mx.array([[id]], mx.int32)), cache).reshape([-1]);
  }
  return tokens;
}

describe("a live pass's prompt start kept for the next pass", () => {
  const lead = [11, 12, 13];
  const [first, second, third] = [rows(5), rows(4), rows(6)];

  test("the positions of the text and the windows both passes share are reused; the rest gives a fresh prefill's logits and tokens", () => {
    const kept = new PromptPrefixCache();
    const pass1 = prompt(lead, [first, rows(3)], [21, 22]);
    const one = kept.take(llm, { ids: lead, windows: [first] }, pass1.shape[1]!);
    expect(one.reused).toBe(0);
    mx.eval(lastLogits(pass1, one.cache));
    greedy(lastLogits(llm.embed(mx.array([[5]], mx.int32)), one.cache), one.cache, 3);
    kept.keep(one.cache, { ids: lead, windows: [first] });

    const pass2 = prompt(lead, [first, second, rows(2)], [21, 22, 23]);
    const two = kept.take(llm, { ids: lead, windows: [first, second] }, pass2.shape[1]!);
    expect(two.reused).toBe(lead.length + 5);
    expect(two.cache).toBe(one.cache);
    const reused = lastLogits(pass2, two.cache, two.reused);
    const fresh = llm.newCache();
    const whole = lastLogits(pass2, fresh);
    expect(difference(reused, whole).maxAbs).toBeLessThanOrEqual(1e-4);
    expect(greedy(reused, two.cache, 6)).toEqual(greedy(whole, fresh, 6));
  });

  test("a new cache when the text before the audio changed, when a window was let go, or when the last pass did not keep its own", () => {
    const kept = new PromptPrefixCache();
    const start = kept.take(llm, { ids: lead, windows: [first, second] }, 40);
    mx.eval(lastLogits(prompt(lead, [first, second], [1]), start.cache));
    kept.keep(start.cache, { ids: lead, windows: [first, second] });
    const otherText = kept.take(llm, { ids: [11, 12, 14], windows: [first, second, third] }, 40);
    expect(otherText.reused).toBe(0);
    expect(otherText.cache).not.toBe(start.cache);

    kept.keep(start.cache, { ids: lead, windows: [first, second] });
    const shifted = kept.take(llm, { ids: lead, windows: [second, third] }, 40);
    expect(shifted.reused).toBe(0);

    // Nothing was kept after the last take (a pass that failed or was cancelled).
    expect(kept.take(llm, { ids: lead, windows: [first, second] }, 40).reused).toBe(0);
  });

  test("at least the prompt's last position is computed again, even when all of it is shared", () => {
    const kept = new PromptPrefixCache();
    const all = prompt(lead, [first], []);
    const taken = kept.take(llm, { ids: lead, windows: [first] }, all.shape[1]!);
    mx.eval(lastLogits(all, taken.cache));
    kept.keep(taken.cache, { ids: lead, windows: [first] });
    expect(kept.take(llm, { ids: lead, windows: [first] }, all.shape[1]!).reused).toBe(all.shape[1]! - 1);
  });

  test("a cache cannot be rewound past the positions it holds", () => {
    const cache = new KVCache();
    cache.update(mx.zeros([1, 2, 3, 4]), mx.zeros([1, 2, 3, 4]));
    cache.rewind(1);
    expect(cache.offset).toBe(1);
    expect(() => cache.rewind(2)).toThrow(RangeError);
    expect(() => cache.rewind(-1)).toThrow(RangeError);
  });
});
