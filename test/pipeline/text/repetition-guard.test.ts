/**
 * The token-level repetition guard of spec §4.6: smallest pattern first, three
 * copies for patterns of 1–2 tokens and two for longer ones, nothing before 4
 * tokens, and — unlike upstream — the first copy of the pattern is kept.
 */
import { describe, expect, test } from "bun:test";
import { RepetitionGuard, truncateRepetition, type RepetitionGuardOptions, type RepetitionVerdict } from "../../../src/pipeline/text";
import { pick, randomInt, seededRandom } from "../../helpers/seeded-random";
import { allowSlowTests } from "../../helpers/timeout";

allowSlowTests();

const [A, B, C, D, X, Y, P, Q, R] = [9707, 11, 1879, 13, 99489, 3837, 104, 105, 106];

/** Pushes tokens until the first `repeated` verdict; returns every verdict and the step it came at. */
function pushAll(tokens: readonly number[], options?: RepetitionGuardOptions): { verdicts: RepetitionVerdict[]; guard: RepetitionGuard } {
  const guard = new RepetitionGuard(options);
  const verdicts: RepetitionVerdict[] = [];
  for (const token of tokens) {
    const verdict = guard.push(token);
    verdicts.push(verdict);
    if (verdict.repeated) break;
  }
  return { verdicts, guard };
}

function firstRepeat(tokens: readonly number[], options?: RepetitionGuardOptions): { step: number; keep: number; pattern: readonly number[] } | null {
  const { verdicts } = pushAll(tokens, options);
  const last = verdicts.at(-1);
  if (!last?.repeated) return null;
  return { step: verdicts.length, keep: last.keep, pattern: last.pattern };
}

describe("the spec's examples, keeping the first copy", () => {
  test("[A,B,C,X,X,X] → [A,B,C,X] (upstream would give [A,B,C])", () => {
    const tokens = [A, B, C, X, X, X];
    expect(firstRepeat(tokens)).toEqual({ step: 6, keep: 4, pattern: [X] });
    expect(truncateRepetition(tokens)).toEqual([A, B, C, X]);
  });

  test("[A,P,Q,R,P,Q,R] → [A,P,Q,R]", () => {
    const tokens = [A, P, Q, R, P, Q, R];
    expect(firstRepeat(tokens)).toEqual({ step: 7, keep: 4, pattern: [P, Q, R] });
    expect(truncateRepetition(tokens)).toEqual([A, P, Q, R]);
  });

  test("no verdict before the repeat is complete", () => {
    const { verdicts } = pushAll([A, B, C, X, X, X]);
    expect(verdicts.slice(0, 5)).toEqual(Array(5).fill({ repeated: false }));
  });
});

describe("copies needed: three for n ≤ 2, two for n ≥ 3", () => {
  test("n = 1: two copies pass, the third stops", () => {
    expect(firstRepeat([A, B, C, X, X])).toBeNull();
    expect(firstRepeat([A, B, C, X, X, X])?.keep).toBe(4);
  });

  test("n = 2: two copies pass, the third stops", () => {
    expect(firstRepeat([A, B, X, Y, X, Y])).toBeNull();
    expect(firstRepeat([A, B, X, Y, X, Y, X, Y])).toEqual({ step: 8, keep: 4, pattern: [X, Y] });
  });

  test("n = 3: the second copy stops", () => {
    expect(firstRepeat([A, P, Q, R, P, Q])).toBeNull();
    expect(firstRepeat([A, P, Q, R, P, Q, R])?.keep).toBe(4);
  });

  test("n = 4: the second copy stops", () => {
    expect(firstRepeat([A, B, C, D, A, B, C, D])).toEqual({ step: 8, keep: 4, pattern: [A, B, C, D] });
  });

  test("custom thresholds", () => {
    expect(firstRepeat([A, X, X, X], { shortRepeats: 4 })).toBeNull();
    expect(firstRepeat([A, X, X, X, X], { shortRepeats: 4 })?.keep).toBe(2);
    expect(firstRepeat([A, P, Q, R, P, Q, R], { longRepeats: 3 })).toBeNull();
    expect(firstRepeat([A, P, Q, R, P, Q, R, P, Q, R], { longRepeats: 3 })?.keep).toBe(4);
  });
});

describe("length limits", () => {
  test("fewer than 4 tokens never trigger", () => {
    const { verdicts } = pushAll([X, X, X]);
    expect(verdicts).toEqual([{ repeated: false }, { repeated: false }, { repeated: false }]);
    expect(truncateRepetition([X, X, X])).toEqual([X, X, X]);
  });

  test("the fourth token checks all four: [X,X,X,X] → [X]", () => {
    expect(firstRepeat([X, X, X, X])).toEqual({ step: 4, keep: 1, pattern: [X] });
    expect(truncateRepetition([X, X, X, X])).toEqual([X]);
  });

  test("minTokens moves the first check", () => {
    expect(firstRepeat([X, X, X, X, X], { minTokens: 6 })).toBeNull();
    expect(firstRepeat([X, X, X, X, X, X], { minTokens: 6 })).toEqual({ step: 6, keep: 1, pattern: [X] });
  });

  test("patterns longer than maxPattern are not searched", () => {
    expect(firstRepeat([A, P, Q, R, P, Q, R], { maxPattern: 2 })).toBeNull();
    expect(firstRepeat([A, P, Q, R, P, Q, R], { maxPattern: 3 })?.keep).toBe(4);
  });

  test("a 512-token pattern is found by default, a 513-token one is not", () => {
    const phrase = (length: number): number[] => Array.from({ length }, (_, i) => 1000 + i);
    expect(firstRepeat([A, ...phrase(512), ...phrase(512)])).toEqual({ step: 1025, keep: 513, pattern: phrase(512) });
    expect(firstRepeat([A, ...phrase(513), ...phrase(513)])).toBeNull();
  });
});

describe("search order and walk-back", () => {
  test("the smallest pattern wins and every extra copy is cut", () => {
    // Checked first at 12 tokens, where both n = 3 and n = 6 repeat.
    const tokens = [P, Q, R, P, Q, R, P, Q, R, P, Q, R];
    expect(firstRepeat(tokens, { minTokens: 12 })).toEqual({ step: 12, keep: 3, pattern: [P, Q, R] });
    expect(truncateRepetition(tokens, { minTokens: 12 })).toEqual([P, Q, R]);
  });

  test("the pattern is the last n tokens, so copies are aligned to the end", () => {
    // First checked at 8 tokens: the repeat is [Q,R,P], and the leading P stays.
    expect(firstRepeat([A, P, Q, R, P, Q, R, P], { minTokens: 8 })).toEqual({ step: 8, keep: 5, pattern: [Q, R, P] });
    expect(truncateRepetition([A, P, Q, R, P, Q, R, P], { minTokens: 8 })).toEqual([A, P, Q, R, P]);
  });

  test("the walk-back passes every aligned copy, not only the ones counted", () => {
    expect(truncateRepetition([A, B, Q, R, P, Q, R, P, Q, R, P], { minTokens: 11 })).toEqual([A, B, Q, R, P]);
  });

  test("two copies of a short pattern inside a longer one are not a repeat", () => {
    expect(firstRepeat([A, X, X, B, X, X, C])).toBeNull();
  });
});

describe("the guard's state", () => {
  test("tokens holds everything pushed", () => {
    const guard = new RepetitionGuard();
    for (const token of [A, B, C, X, X, X]) guard.push(token);
    expect(guard.tokens).toEqual([A, B, C, X, X, X]);
  });

  test("the verdict's pattern is a copy, not a view of the history", () => {
    const { verdicts, guard } = pushAll([A, B, C, X, X, X]);
    const verdict = verdicts.at(-1)!;
    guard.push(Y);
    expect(verdict).toEqual({ repeated: true, keep: 4, pattern: [X] });
  });

  test("invalid options are refused", () => {
    expect(() => new RepetitionGuard({ maxPattern: 0 })).toThrow(RangeError);
    expect(() => new RepetitionGuard({ shortRepeats: 1 })).toThrow(/shortRepeats must be an integer ≥ 2/);
    expect(() => new RepetitionGuard({ longRepeats: 2.5 })).toThrow(RangeError);
    expect(() => truncateRepetition([], { minTokens: -1 })).toThrow(RangeError);
  });

  test("long decodes stay cheap per token", () => {
    const guard = new RepetitionGuard();
    const started = performance.now();
    for (let i = 0; i < 50_000; i++) expect(guard.push(i).repeated).toBe(false);
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});

describe("push agrees with truncateRepetition (seeded random sequences)", () => {
  const random = seededRandom(20240611);
  const optionChoices: RepetitionGuardOptions[] = [
    {},
    { maxPattern: 1 },
    { maxPattern: 2 },
    { maxPattern: 5, minTokens: 0 },
    { shortRepeats: 2, longRepeats: 3 },
    { shortRepeats: 4, minTokens: 8 },
  ];

  /** Small alphabets repeat by chance; injected blocks give long patterns. */
  function randomSequence(): number[] {
    if (random() < 0.5) {
      const alphabet = randomInt(random, 2, 4);
      return Array.from({ length: randomInt(random, 0, 40) }, () => randomInt(random, 1, alphabet));
    }
    const head = Array.from({ length: randomInt(random, 0, 30) }, () => randomInt(random, 1, 1000));
    const block = Array.from({ length: randomInt(random, 1, 20) }, () => randomInt(random, 1, 1000));
    const copies = randomInt(random, 1, 4);
    const tail = Array.from({ length: randomInt(random, 0, 10) }, () => randomInt(random, 1, 1000));
    const partial = block.slice(0, randomInt(random, 0, block.length));
    return [...head, ...Array<number[]>(copies).fill(block).flat(), ...partial, ...tail];
  }

  test("2,000 sequences", () => {
    let repeats = 0;
    for (let i = 0; i < 2000; i++) {
      const tokens = randomSequence();
      const options = pick(random, optionChoices);
      const found = firstRepeat(tokens, options);
      const expected = truncateRepetition(tokens, options);
      const kept = found ? tokens.slice(0, found.keep) : tokens;
      expect({ i, tokens, options, kept }).toEqual({ i, tokens, options, kept: expected });
      if (found) {
        repeats++;
        expect(kept.slice(kept.length - found.pattern.length)).toEqual([...found.pattern]);
        expect(tokens.slice(found.step - found.pattern.length, found.step)).toEqual([...found.pattern]);
      }
    }
    expect(repeats).toBeGreaterThan(500);
  });
});
