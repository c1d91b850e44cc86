/**
 * The Slaney filter bank against transformers' `mel_filter_bank` (values produced
 * by test/fixtures/whisper-mel/generate.py).
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { slaneyMelFilterBank, slaneyMelFilters } from "../../../src/audio/features/slaney-mel-filters";
import { FIXTURES } from "../../helpers/fixtures";
import { allowSlowTests } from "../../helpers/timeout";

allowSlowTests();

/** `[n_mels][201]`, one row per filter. */
const reference = JSON.parse(readFileSync(join(FIXTURES, "whisper-mel", "slaney-filters.json"), "utf8")) as Record<string, number[][]>;
const BINS = 201;

describe.each([80, 128])("Slaney filters, %d mels", (nMels) => {
  const spec = { nMels, nFft: 400, sampleRate: 16000, minHz: 0, maxHz: 8000 };
  const expected = reference[`slaney_${nMels}`]!;

  test("float64 weights equal upstream's to rounding", () => {
    const weights = slaneyMelFilters(spec);
    expect(weights.length).toBe(BINS * nMels);
    let worst = 0;
    expected.forEach((row, m) =>
      row.forEach((value, k) => {
        const actual = weights[k * nMels + m]!;
        if (value === 0) expect(actual).toBe(0);
        else worst = Math.max(worst, Math.abs(actual - value) / value);
      }),
    );
    // Measured 2e-12: exp/log may differ from numpy's in the last bit.
    expect(worst).toBeLessThanOrEqual(1e-9);
  });

  test("the float32 tensor is upstream's cast to float32", () => {
    const bank = slaneyMelFilterBank(spec);
    expect(bank.shape).toEqual([BINS, nMels]);
    const rows = bank.tolist() as number[][];
    let worst = 0;
    expected.forEach((row, m) =>
      row.forEach((value, k) => {
        const f32 = Math.fround(value);
        const actual = rows[k]![m]!;
        if (f32 === 0) expect(actual).toBe(0);
        else worst = Math.max(worst, Math.abs(actual - f32) / f32);
      }),
    );
    // Measured: identical.
    expect(worst).toBeLessThanOrEqual(1e-7);
  });
});
