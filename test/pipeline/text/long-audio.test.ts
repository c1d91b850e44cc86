/**
 * Joining the transcripts of consecutive segments: overlap trimming on code
 * points, the separator the script at each joint asks for, and the removal of a
 * block transcribed twice in a row, keeping its first copy.
 */
import { describe, expect, test } from "bun:test";
import { joinTexts, removeRepeatedBlocks, separatorBetween, trimOverlap } from "../../../src/pipeline/text";
import { pick, randomInt, seededRandom } from "../../helpers/seeded-random";
import { allowSlowTests } from "../../helpers/timeout";

allowSlowTests();

/** 27 code points. */
const MEETING = "今天我们在会议上讨论了明年的预算安排以及人员招聘计划。";
/** 34 code points. */
const REPORT = `${MEETING}大家都同意了。`;
/** 20 code points, none of them punctuation. */
const BUDGET = "明年的预算需要重新审核并提交给董事会批准";
/** 44 code points. */
const FOX = "The quick brown fox jumps over the lazy dog.";

describe("trimOverlap", () => {
  test("drops the shared text from the start of the current segment", () => {
    expect(trimOverlap("今天我们讨论预算安排", "讨论预算安排和招聘计划")).toBe("和招聘计划");
    expect(trimOverlap("and then we talked about the budget", "about the budget for next year")).toBe(" for next year");
  });

  test("needs at least 5 shared code points", () => {
    expect(trimOverlap("天气很好很好", "很好很好啊")).toBe("很好很好啊");
    expect(trimOverlap("天气真的很好很好", "真的很好很好啊")).toBe("啊");
  });

  test("the longest overlap wins", () => {
    expect(trimOverlap("xabcabcabc", "abcabcabcX")).toBe("X");
  });

  test("looks at most 100 code points back", () => {
    const hundred = Array.from({ length: 100 }, (_, i) => String.fromCodePoint(0x4e00 + i)).join("");
    expect(trimOverlap(`前面${hundred}`, `${hundred}后面`)).toBe("后面");
    // 101 shared code points: the 100 compared are not aligned, and no shorter suffix matches.
    const more = `${hundred}完`;
    expect(trimOverlap(`前面${more}`, `${more}后面`)).toBe(`${more}后面`);
  });

  test("counts code points: emoji are one each", () => {
    // "🎉🎉好" is 5 UTF-16 units but only 3 code points: too short.
    expect(trimOverlap("好的🎉🎉好", "🎉🎉好的吧")).toBe("🎉🎉好的吧");
    // "的🎉🎉好的" is 5 code points.
    expect(trimOverlap("好的🎉🎉好的", "的🎉🎉好的吧")).toBe("吧");
  });

  test("a current segment fully inside the previous one becomes empty", () => {
    expect(trimOverlap(MEETING, "员招聘计划。")).toBe("");
  });

  test("empty sides", () => {
    expect(trimOverlap("", "今天天气很好")).toBe("今天天气很好");
    expect(trimOverlap("今天天气很好", "")).toBe("");
  });
});

describe("separatorBetween and joinTexts: the script at the joint decides", () => {
  test("a space between spaced scripts: Latin, Cyrillic, Greek, Hangul, digits, ASCII punctuation, emoji", () => {
    for (const [left, right] of [["dagger=X", "Using CDC"], ["Hello.", "world"], ["Привет", "мир"], ["αβ", "γδ"], ["안녕하세요", "반갑습니다"], ["in 2024,", "42"], ["done 🎉", "Next"]]) {
      expect(separatorBetween(left!, right!)).toBe(" ");
    }
  });

  test("none next to Han, kana or CJK punctuation, on either side", () => {
    for (const [left, right] of [["今天", "天气"], ["こんにちは", "世界"], ["カタカナー", "テスト"], ["好。", "Let's go"], ["OK", "好的"], ["第2024", "年"], ["（注）", "ABC"], ["𠀀", "x"]]) {
      expect(separatorBetween(left!, right!)).toBe("");
    }
  });

  test("an empty or blank side needs no separator", () => {
    expect(separatorBetween("", "Hello")).toBe("");
    expect(separatorBetween("Hello", "  ")).toBe("");
  });

  test("Chinese segments are concatenated; English ones get exactly one space", () => {
    expect(joinTexts(["今天天气很好。", "我们去公园吧。"])).toBe("今天天气很好。我们去公园吧。");
    expect(joinTexts(["Hello world. ", " How are you?", "Fine.\n"])).toBe("Hello world. How are you? Fine.");
  });

  test("the glued text of the issue gets its space, whatever language the request named", () => {
    expect(joinTexts(["the cloak and dagger=X", "Using CDC data"])).toBe("the cloak and dagger=X Using CDC data");
  });

  test("mixed Chinese and English: a space only where both sides are spaced", () => {
    expect(joinTexts(["我们用 MLX", "做推理。", "Then we", "measured it.", "结果很好。"])).toBe("我们用 MLX做推理。Then we measured it.结果很好。");
  });

  test("empty and blank pieces are skipped", () => {
    expect(joinTexts(["", "Hello.", "   ", "", "Bye."])).toBe("Hello. Bye.");
    expect(joinTexts(["", "你好。", " ", "再见。"])).toBe("你好。再见。");
    expect(joinTexts([])).toBe("");
  });

  test("with trimOverlap, as the long-audio path composes them", () => {
    const segments = ["今天我们在会议上讨论了明年的预算安排", "讨论了明年的预算安排以及人员招聘计划。"];
    const trimmed = [segments[0]!, trimOverlap(segments[0]!, segments[1]!)];
    expect(joinTexts(trimmed)).toBe(MEETING);
  });
});

describe("removeRepeatedBlocks, exact", () => {
  test("a block repeated right after itself keeps its first copy", () => {
    expect(removeRepeatedBlocks(`开场。${REPORT}${REPORT}散会。`)).toBe(`开场。${REPORT}散会。`);
    expect(removeRepeatedBlocks(`${FOX} ${FOX} The end.`)).toBe(`${FOX} The end.`);
  });

  test("three or more copies collapse into one", () => {
    expect(removeRepeatedBlocks(REPORT.repeat(4))).toBe(REPORT);
  });

  test("blocks shorter than the window stay", () => {
    expect(removeRepeatedBlocks(`${MEETING}${MEETING}`, { window: 28 })).toBe(`${MEETING}${MEETING}`);
    expect(removeRepeatedBlocks(`${MEETING}${MEETING}`, { window: 27 })).toBe(MEETING);
    expect(removeRepeatedBlocks(`${BUDGET}${BUDGET}`)).toBe(`${BUDGET}${BUDGET}`);
  });

  test("a repeat with other text in between stays", () => {
    const text = `${REPORT}然后大家休息了一下。${REPORT}`;
    expect(removeRepeatedBlocks(text)).toBe(text);
  });

  test("copies differing in punctuation stay", () => {
    const text = `${BUDGET}，${BUDGET}。`;
    expect(removeRepeatedBlocks(text, { window: 15 })).toBe(text);
  });

  test("emoji count as one code point", () => {
    // 15 code points, 30 UTF-16 units.
    const cheers = "🎉".repeat(5) + "干杯".repeat(5);
    expect(removeRepeatedBlocks(`${cheers}${cheers}`, { window: 15 })).toBe(cheers);
    expect(removeRepeatedBlocks(`${cheers}${cheers}`, { window: 16 })).toBe(`${cheers}${cheers}`);
  });

  test("text without repeats is returned as is", () => {
    expect(removeRepeatedBlocks(MEETING)).toBe(MEETING);
    expect(removeRepeatedBlocks("")).toBe("");
  });

  test("window must be an integer ≥ 2", () => {
    expect(() => removeRepeatedBlocks("x", { window: 1 })).toThrow(RangeError);
    expect(() => removeRepeatedBlocks("x", { window: 2.5 })).toThrow(RangeError);
  });
});

describe("removeRepeatedBlocks, fuzzy", () => {
  test("copies differing only in punctuation: the separator goes, the last punctuation stays", () => {
    expect(removeRepeatedBlocks(`${BUDGET}，${BUDGET}。下一项。`, { fuzzy: true })).toBe(`${BUDGET}。下一项。`);
  });

  test("copies differing only in spacing and punctuation, in English", () => {
    const first = "we will meet again next Monday at the office";
    const second = "we will meet again, next Monday at the office.";
    expect(removeRepeatedBlocks(`${first}. ${second} Bye.`, { fuzzy: true })).toBe(`${first}. Bye.`);
  });

  test("the fuzzy window is half the window, counted without punctuation", () => {
    // 14 letters per copy: below the default fuzzy window of 15.
    const short = "明年的预算需要重新审核并提交";
    expect(removeRepeatedBlocks(`${short}，${short}。`, { fuzzy: true })).toBe(`${short}，${short}。`);
    expect(removeRepeatedBlocks(`${short}，${short}。`, { fuzzy: true, window: 28 })).toBe(`${short}。`);
  });

  test("three copies with different punctuation collapse into one", () => {
    expect(removeRepeatedBlocks(`${BUDGET}。${BUDGET}，${BUDGET}！好。`, { fuzzy: true })).toBe(`${BUDGET}！好。`);
  });

  test("without fuzzy the same text stays", () => {
    const text = `${BUDGET}，${BUDGET}。下一项。`;
    expect(removeRepeatedBlocks(text)).toBe(text);
  });
});

describe("removeRepeatedBlocks agrees with a literal reading of its rule (seeded random texts)", () => {
  /** The documented rule, by brute force. */
  function reference(text: string, window: number, fuzzy: boolean): string {
    const chars = Array.from(text);
    const origin = chars.flatMap((char, index) => (fuzzy && /^[\p{P}\s]$/u.test(char) ? [] : [index]));
    const units = origin.map((index) => chars[index]!);
    const unitWindow = fuzzy ? Math.floor(window / 2) : window;
    const removed = new Set<number>();
    let p = unitWindow;
    scan: while (p < units.length) {
      for (let length = unitWindow; length <= Math.min(p, units.length - p); length++) {
        if (units.slice(p - length, p).join("\u0000") === units.slice(p, p + length).join("\u0000")) {
          for (let i = origin[p - 1]! + 1; i <= origin[p + length - 1]!; i++) removed.add(i);
          p += length;
          continue scan;
        }
      }
      p++;
    }
    return chars.filter((_, index) => !removed.has(index)).join("");
  }

  const random = seededRandom(7);
  const alphabets = [["a", "b"], ["好", "的", "🎉"], ["x", "y", "z", "，", " ", "。"], ["a", "b", ".", " "]];

  test("1,500 texts", () => {
    let changed = 0;
    for (let i = 0; i < 1500; i++) {
      const alphabet = pick(random, alphabets);
      let text = Array.from({ length: randomInt(random, 0, 40) }, () => pick(random, alphabet)).join("");
      if (random() < 0.5) {
        const chars = Array.from(text);
        const start = randomInt(random, 0, chars.length);
        const block = chars.slice(start, start + randomInt(random, 1, 12)).join("");
        text = chars.slice(0, start).join("") + block.repeat(randomInt(random, 1, 3)) + chars.slice(start).join("");
      }
      const window = randomInt(random, 2, 6);
      const fuzzy = random() < 0.5;
      const actual = removeRepeatedBlocks(text, { window, fuzzy });
      expect({ i, text, window, fuzzy, actual }).toEqual({ i, text, window, fuzzy, actual: reference(text, window, fuzzy) });
      if (actual !== text) changed++;
    }
    expect(changed).toBeGreaterThan(300);
  });
});
