/**
 * The transcript clean-ups of spec §4.7, pass by pass on Chinese and English
 * text, then composed in order. Lengths count code points, so emoji and CJK
 * characters count once each.
 */
import { describe, expect, test } from "bun:test";
import {
  cleanTranscript,
  exciseHallucinations,
  HALLUCINATION_MARKERS,
  removeMetaCommentary,
  removeTextRepetition,
  stripLeakedInstructions,
  stripThinkBlock,
} from "../../../src/pipeline/text";
import { allowSlowTests } from "../../helpers/timeout";

allowSlowTests();

/** 27 code points. */
const MEETING = "今天我们在会议上讨论了明年的预算安排以及人员招聘计划。";
/** 44 code points. */
const FOX = "The quick brown fox jumps over the lazy dog.";
/** 25 code points in 28 UTF-16 units. */
const PARTY = "🎉今天是我们公司成立十周年的日子🎂大家一起庆祝吧🎈";

describe("1. think-block strip", () => {
  test("keeps what follows </think>, trimmed", () => {
    expect(stripThinkBlock("<think>\n用户想要转写。\n</think>\n\n今天天气很好。")).toBe("今天天气很好。");
    expect(stripThinkBlock("<think>\n\n</think>\n\nThe meeting starts at nine.")).toBe("The meeting starts at nine.");
    expect(stripThinkBlock("残留</think>  后面的话 ")).toBe("后面的话");
  });

  test("drops an unclosed leading <think>", () => {
    expect(stripThinkBlock("<think>  今天天气很好。")).toBe("今天天气很好。");
  });

  test("leaves other text alone, untrimmed", () => {
    expect(stripThinkBlock("  今天<think>天气很好 ")).toBe("  今天<think>天气很好 ");
  });
});

describe("2. text repetition", () => {
  test("a doubled Chinese sentence keeps its first copy", () => {
    expect(removeTextRepetition(MEETING + MEETING)).toBe(MEETING);
  });

  test("a partial third copy goes too", () => {
    expect(removeTextRepetition(`  ${MEETING}${MEETING}${MEETING.slice(0, 10)} `)).toBe(MEETING);
  });

  test("a doubled English sentence keeps its first copy, trimmed", () => {
    expect(removeTextRepetition(`${FOX} ${FOX}`)).toBe(FOX);
  });

  test("the repeat must cover more than 80% of the rest", () => {
    // 21 repeated characters followed by 10 new ones: 21/31 ≈ 0.68.
    const notEnough = `${MEETING}${MEETING.slice(0, 21)}但是还没有最终定下来`;
    expect(removeTextRepetition(notEnough)).toBe(notEnough);
    // Followed by 3 new ones: 21/24 ≈ 0.88.
    expect(removeTextRepetition(`${MEETING}${MEETING.slice(0, 21)}等一下`)).toBe(MEETING);
  });

  test("the repeat must be at least 20 characters long", () => {
    const nineteen = MEETING.slice(0, 19);
    const text = `${nineteen}${nineteen}好的`;
    expect([...text].length).toBe(40);
    expect(removeTextRepetition(text)).toBe(text);
  });

  test("texts under 40 code points are only trimmed", () => {
    expect(removeTextRepetition("  你好你好你好你好你好你好你好你好你好你好 ")).toBe("你好你好你好你好你好你好你好你好你好你好");
    // 40 UTF-16 units but 20 code points.
    expect(removeTextRepetition("🎉".repeat(20))).toBe("🎉".repeat(20));
  });

  test("cuts between code points, never inside an emoji", () => {
    expect(removeTextRepetition(PARTY + PARTY)).toBe(PARTY);
  });
});

describe("3. leaked instructions", () => {
  test("the full suffix, with and without its colon", () => {
    expect(stripLeakedInstructions("今天天气很好。只输出转写文字，不要分析或解释：")).toBe("今天天气很好。");
    expect(stripLeakedInstructions("只输出转写文字，不要分析或解释今天天气很好。")).toBe("今天天气很好。");
  });

  test("the longest form goes first, so no tail is left behind", () => {
    expect(stripLeakedInstructions("只输出转写文字，不要分析或解释：明天见")).toBe("明天见");
    expect(stripLeakedInstructions("只输出转写文字明天见")).toBe("明天见");
    expect(stripLeakedInstructions("输出转写文字，不要分析或解释明天见")).toBe("明天见");
  });

  test("every occurrence", () => {
    expect(stripLeakedInstructions("第一句。只输出转写文字第二句。只输出转写文字，不要分析或解释：")).toBe("第一句。第二句。");
  });

  test("other text is only trimmed", () => {
    expect(stripLeakedInstructions("  The meeting starts at nine.\n")).toBe("The meeting starts at nine.");
  });
});

describe("4. hallucination excision", () => {
  test("a marker at the very start empties the text", () => {
    expect(exciseHallucinations("好的，以下是转写结果：今天天气很好。")).toBe("");
    expect(exciseHallucinations("  \n您好，请问有什么可以帮您？")).toBe("");
    expect(exciseHallucinations("Here is the transcription: hello.")).toBe("");
    expect(exciseHallucinations("As an AI, I cannot hear audio.")).toBe("");
  });

  test("a marker after 。 cuts everything after that 。", () => {
    expect(exciseHallucinations("今天天气很好。以下是这段音频的总结：天气。")).toBe("今天天气很好。");
    expect(exciseHallucinations("第一句。第二句！ 首先，我们来看。")).toBe("第一句。第二句！");
  });

  test("English sentence ends, whitespace after them skipped", () => {
    expect(exciseHallucinations("How are you?   Here's what I heard.")).toBe("How are you?");
    expect(exciseHallucinations("Stop. Let me explain the audio.")).toBe("Stop.");
  });

  test("the first marked boundary wins", () => {
    expect(exciseHallucinations("一。二。请问三。四。让我五。")).toBe("一。二。");
  });

  test("markers inside a sentence or after a comma stay", () => {
    expect(exciseHallucinations("他说让我们走吧。")).toBe("他说让我们走吧。");
    expect(exciseHallucinations("我们首先要做的是，首先准备材料。")).toBe("我们首先要做的是，首先准备材料。");
    expect(exciseHallucinations("Lettuce is green. Letters are late.")).toBe("Lettuce is green. Letters are late.");
  });

  test("markers match exactly, trailing space included", () => {
    expect(exciseHallucinations("Let mercy prevail.")).toBe("Let mercy prevail.");
    expect(exciseHallucinations("the audio was loud. the speech was long.")).toBe("the audio was loud. the speech was long.");
  });

  test("emoji before the cut survive whole", () => {
    expect(exciseHallucinations(`${PARTY}！感谢您的收听。`)).toBe(`${PARTY}！`);
  });

  test("empty and unmarked texts", () => {
    expect(exciseHallucinations("   ")).toBe("");
    expect(exciseHallucinations(" 今天天气很好。 ")).toBe("今天天气很好。");
  });

  test("every listed marker is detected at the start", () => {
    for (const marker of HALLUCINATION_MARKERS) expect(exciseHallucinations(`${marker}xyz`)).toBe("");
  });
});

describe("5. meta-commentary removal", () => {
  test("drops the sentences with a phrase, keeps the others", () => {
    expect(removeMetaCommentary("今天天气很好。作为AI语言模型，我无法听到音频。我们明天去公园。")).toBe("今天天气很好。我们明天去公园。");
    expect(removeMetaCommentary("Let's think step by step. The meeting starts at nine.")).toBe("The meeting starts at nine.");
  });

  test("the unterminated remainder is a sentence too", () => {
    expect(removeMetaCommentary("今天天气很好。以上是转写结果")).toBe("今天天气很好。");
    expect(removeMetaCommentary("今天天气很好。明天也不错")).toBe("今天天气很好。明天也不错");
  });

  test("line breaks end sentences", () => {
    expect(removeMetaCommentary("第一行\n这是转写结果\n第三行")).toBe("第一行\n第三行");
  });

  test("phrases are matched case-sensitively", () => {
    expect(removeMetaCommentary("Step By Step is a song. It was a hit.")).toBe("Step By Step is a song. It was a hit.");
  });

  test("every '.' ends a sentence, decimal points included (spec behaviour)", () => {
    expect(removeMetaCommentary("价格是3.5元，人工智能很贵。好的。")).toBe("价格是3.好的。");
  });

  test("emoji and CJK pass through intact", () => {
    expect(removeMetaCommentary(`${PARTY}！我来帮你整理一下。`)).toBe(`${PARTY}！`);
  });
});

describe("cleanTranscript: passes 1–5 in order", () => {
  test("think block, then leaked suffix", () => {
    expect(cleanTranscript("<think>\n\n</think>\n\n今天天气很好。只输出转写文字，不要分析或解释：")).toBe("今天天气很好。");
  });

  test("a leaked suffix uncovers a hallucination at the start", () => {
    expect(cleanTranscript("只输出转写文字，不要分析或解释：好的，我来帮你转写。")).toBe("");
  });

  test("repetition, hallucination and meta-commentary together", () => {
    const text = `${MEETING}${MEETING}`;
    expect(cleanTranscript(text)).toBe(MEETING);
    expect(cleanTranscript(`${MEETING}人工智能会取代我们吗？总结一下：没有。`)).toBe(MEETING);
  });

  test("English translation output", () => {
    expect(cleanTranscript("<think>\n\n</think>\n\nThe budget was discussed. Here is a summary: nothing.")).toBe("The budget was discussed.");
  });

  test("passes can be switched off", () => {
    const text = "<think>x</think>今天天气很好。请问你是谁？";
    expect(cleanTranscript(text, { hallucinations: false })).toBe("今天天气很好。请问你是谁？");
    expect(cleanTranscript(text, { thinkBlock: false })).toBe("<think>x</think>今天天气很好。");
  });

  test("clean text comes back unchanged", () => {
    expect(cleanTranscript(MEETING)).toBe(MEETING);
    expect(cleanTranscript(FOX)).toBe(FOX);
    expect(cleanTranscript("")).toBe("");
  });
});
