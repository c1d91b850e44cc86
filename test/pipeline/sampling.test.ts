/** Token choice: greedy, temperature with top-k / top-p, presence penalty, and seeds. */
import { expect, test } from "bun:test";
import { mx } from "../../src/engine/mlx";
import { Sampler } from "../../src/pipeline/sampling";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

const logits = mx.log(mx.array([0.05, 0.5, 0.15, 0.3], mx.float32)); // token 1 most likely, then 3, 2, 0

function draws(sampler: Sampler, n: number): number[] {
  return Array.from({ length: n }, () => Number(sampler.sample(logits).item()));
}

test("temperature 0 is argmax", () => {
  expect(draws(new Sampler({ temperature: 0 }, 4), 5)).toEqual([1, 1, 1, 1, 1]);
});

test("top-k keeps only the k most likely tokens", () => {
  const seen = new Set(draws(new Sampler({ temperature: 1, topK: 2, seed: 1 }, 4), 400));
  expect([...seen].sort()).toEqual([1, 3]);
});

test("top-p keeps the smallest set whose probability reaches p", () => {
  // 0.5 (token 1) + 0.3 (token 3) = 0.8 ≥ 0.7: tokens 2 and 0 are cut.
  const seen = new Set(draws(new Sampler({ temperature: 1, topP: 0.7, seed: 2 }, 4), 400));
  expect([...seen].sort()).toEqual([1, 3]);
  // Over the top-3 survivors (renormalized: 0.526, 0.316, 0.158) p = 0.9 keeps all three.
  const three = new Set(draws(new Sampler({ temperature: 1, topK: 3, topP: 0.9, seed: 3 }, 4), 600));
  expect([...three].sort()).toEqual([1, 2, 3]);
});

test("frequencies follow the distribution at temperature 1", () => {
  const counts = [0, 0, 0, 0];
  for (const id of draws(new Sampler({ temperature: 1, seed: 4 }, 4), 2000)) counts[id]!++;
  expect(counts[1]! / 2000).toBeGreaterThan(0.45);
  expect(counts[1]! / 2000).toBeLessThan(0.55);
  expect(counts[3]! / 2000).toBeGreaterThan(0.25);
});

test("the same seed gives the same draws; another seed differs", () => {
  const a = draws(new Sampler({ temperature: 1, seed: 9 }, 4), 50);
  expect(draws(new Sampler({ temperature: 1, seed: 9 }, 4), 50)).toEqual(a);
  expect(draws(new Sampler({ temperature: 1, seed: 10 }, 4), 50)).not.toEqual(a);
});

test("presence penalty lowers tokens already generated, once per token", () => {
  const sampler = new Sampler({ temperature: 0, presencePenalty: 1.0 }, 4);
  const first = sampler.sample(logits);
  expect(Number(first.item())).toBe(1);
  sampler.observe(first);
  // log 0.5 − 1 = −1.69 < log 0.3 = −1.20: token 3 now wins.
  expect(Number(sampler.sample(logits).item())).toBe(3);
  sampler.observe(mx.array(1, mx.int32));
  expect(Number(sampler.sample(logits).item())).toBe(3);
});
