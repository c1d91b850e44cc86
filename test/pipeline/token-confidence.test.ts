/**
 * The confidence scores verbose_json reports, against an independent float64
 * computation from the logits of every step: avg_logprob is the mean
 * log-softmax of the chosen tokens (plus the stop token when the text ends on
 * one), no_speech_prob the probability of a stop token at the first step.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { mx } from "../../src/engine/mlx";
import { Qwen3Decoder } from "../../src/models/qwen3-decoder";
import { decodeTokens, greedyTrace } from "../../src/pipeline/generate";
import { GREEDY } from "../../src/pipeline/sampling";
import { TokenConfidence } from "../../src/pipeline/token-confidence";
import { MODEL_DIR } from "../helpers/fixtures";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

const STEPS = 6;
const decoder = await Qwen3Decoder.load(join(MODEL_DIR, "decoder"));
const prompt = decoder.embed(mx.array([Array.from({ length: 24 }, (_, i) => (i * 37) % 1000)], mx.int32));
const trace = await greedyTrace(decoder, prompt, STEPS + 1);
const rows = trace.stepLogits.tolist() as number[][];

/** log-softmax in float64 of one row at `id`. */
function logSoftmax(row: number[], id: number): number {
  const max = Math.max(...row);
  const sum = row.reduce((s, x) => s + Math.exp(x - max), 0);
  return row[id]! - max - Math.log(sum);
}

async function decode(stopIds: Set<number>, confidence: TokenConfidence, maxTokens = STEPS): Promise<number[]> {
  const ids: number[] = [];
  for await (const id of decodeTokens(decoder, prompt, { maxTokens, stopIds, sampling: GREEDY, confidence })) ids.push(id);
  return ids;
}

test("avg_logprob is the mean log-softmax of the chosen tokens; no_speech_prob the first step's stop probability", async () => {
  // Two ids the model does not choose first act as stop tokens, so the text runs to maxTokens.
  const stops = [trace.tokens[0]! === 7 ? 8 : 7, 100];
  const confidence = new TokenConfidence(stops);
  const ids = await decode(new Set(stops), confidence);
  expect(ids).toEqual(trace.tokens.slice(0, STEPS));
  const scores = confidence.summary(ids.length, false)!;
  const expected = ids.reduce((s, id, i) => s + logSoftmax(rows[i]!, id), 0) / ids.length;
  expect(Math.abs(scores.avgLogprob - expected)).toBeLessThanOrEqual(1e-4);
  expect(scores.avgLogprob).toBeLessThan(0);
  const noSpeech = stops.reduce((s, id) => s + Math.exp(logSoftmax(rows[0]!, id)), 0);
  expect(Math.abs(scores.noSpeechProb - noSpeech)).toBeLessThanOrEqual(1e-6);
  expect(scores.noSpeechProb).toBeGreaterThan(0);
});

test("a text that ends on a stop token counts that token too; a cut text only what it kept", async () => {
  const stop = trace.tokens[3]!;
  const confidence = new TokenConfidence([stop]);
  const ids = await decode(new Set([stop]), confidence);
  expect(ids).toEqual(trace.tokens.slice(0, 3));
  const withStop = confidence.summary(3, true)!;
  const expected = trace.tokens.slice(0, 4).reduce((s, id, i) => s + logSoftmax(rows[i]!, id), 0) / 4;
  expect(Math.abs(withStop.avgLogprob - expected)).toBeLessThanOrEqual(1e-4);
  const firstTwo = confidence.summary(2, false)!;
  expect(Math.abs(firstTwo.avgLogprob - (logSoftmax(rows[0]!, ids[0]!) + logSoftmax(rows[1]!, ids[1]!)) / 2)).toBeLessThanOrEqual(1e-4);
  expect(Math.abs(withStop.noSpeechProb - Math.exp(logSoftmax(rows[0]!, stop)))).toBeLessThanOrEqual(1e-6);
});

test("nothing chosen, nothing reported", async () => {
  const confidence = new TokenConfidence([1]);
  expect(await decode(new Set([1]), confidence, 0)).toEqual([]);
  expect(confidence.summary(0, false)).toBeNull();
});
