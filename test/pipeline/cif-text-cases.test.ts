/**
 * Integrate-and-fire, token times and text against FunASR's own code on 60 random
 * cases (speech, long silences, weights at the firing threshold; CJK, English pieces
 * with and without @@, single letters, digits, punctuation, <unk>):
 * test/fixtures/funasr-cif-text-cases.json, written by
 * scripts/reference/funasr_cif_text_cases.py. Fires, counts, times and text exact.
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { integrateAndFire } from "../../src/models/cif-predictor";
import { cifTokenTimes } from "../../src/pipeline/cif-timestamps";
import { charTokenText, charTokenWords } from "../../src/pipeline/text/char-token-sentence";
import { FIXTURES } from "../helpers/fixtures";

interface Case {
  alphas: number[];
  tail_alphas: number[];
  peaks: number[];
  fire_positions: number[];
  token_num: number;
  tokens: string[];
  times: [number, number][];
  text: string;
  words: string[];
  word_times: [number, number][];
}

const { cases, tail_threshold: tail } = JSON.parse(readFileSync(join(FIXTURES, "funasr-cif-text-cases.json"), "utf8")) as { cases: Case[]; tail_threshold: number };

test("integrate-and-fire: the tail weight, fire positions, count and FunASR's peaks", () => {
  for (const c of cases) {
    const { firing } = integrateAndFire(Float32Array.from(c.alphas), Math.fround(tail));
    expect([...firing.tailAlphas]).toEqual(c.tail_alphas);
    expect(firing.firePositions).toEqual(c.fire_positions);
    expect(firing.tokenCount).toBe(c.token_num);
    // The peaks are float32 sums of float32 values, like upstream's; one ulp of a value below 2.
    firing.peaks.forEach((p, i) => expect(Math.abs(p - c.peaks[i]!)).toBeLessThanOrEqual(2.4e-7));
  }
});

test("token times: every case's milliseconds, leading and trailing silence and long tokens included", () => {
  for (const c of cases) {
    expect(cifTokenTimes(Float32Array.from(c.peaks), Float32Array.from(c.tail_alphas), c.tokens.length, 0.06)).toEqual(c.times);
  }
});

test("text: FunASR's sentence_postprocess of every token sequence", () => {
  for (const c of cases) expect(charTokenText(c.tokens)).toBe(c.text);
});

test("words and their times: FunASR's sentence_postprocess with the token times", () => {
  for (const c of cases) {
    if (c.times.length === 0) continue;
    const timed = charTokenWords(c.tokens, c.times);
    expect(timed.words).toEqual(c.words);
    expect(timed.times).toEqual(c.word_times);
  }
});
