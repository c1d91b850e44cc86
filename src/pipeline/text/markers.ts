/** The phrase lists of the transcript clean-ups, copied verbatim from spec §4.7 (trailing spaces included). */

/** Our own prompt suffix when the model echoes it; deleted in this order. */
export const LEAKED_INSTRUCTIONS: readonly string[] = [
  "只输出转写文字，不要分析或解释：",
  "只输出转写文字，不要分析或解释",
  "只输出转写文字",
  "输出转写文字，不要分析或解释",
];

/** Openings of assistant-style text; from one of them on, the transcript is hallucinated. */
export const HALLUCINATION_MARKERS: readonly string[] = [
  "你好，我是",
  "我是一个",
  "作为一个",
  "好的，",
  "首先",
  "以下是",
  "根据您",
  "请问",
  "您好",
  "让我",
  "需要注意",
  "这段音频",
  "这段语音",
  "这是一段",
  "总结一下",
  "希望这",
  "如果您",
  "感谢您",
  "很高兴",
  "I'm an AI",
  "I am an AI",
  "As an AI",
  "Let me ",
  "Here is",
  "Here's ",
  "Based on",
  "The audio",
  "The speech",
  "In summary",
];

/** A sentence containing any of these is the model talking about itself or the task. */
export const META_COMMENTARY_PHRASES: readonly string[] = [
  "AI助手",
  "AI语言模型",
  "语言模型",
  "人工智能",
  "自我介绍",
  "我来帮",
  "我来为您",
  "我来分析",
  "请告诉我",
  "有什么可以帮",
  "处理用户",
  "用户的查询",
  "用户的请求",
  "用户提供",
  "用户提到",
  "用户的问题",
  "这段话的转写",
  "这段音频的转写",
  "转写结果",
  "chain of thought",
  "chain-of-thought",
  "step by step",
];
