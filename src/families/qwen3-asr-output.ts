/**
 * Reading Qwen3-ASR's output, as the release does (QwenLM `qwen_asr/inference/utils.py`,
 * `parse_asr_output` and `detect_and_fix_repetitions`): `language X<asr_text>text`
 * gives the language and the text; `language None` is empty audio; without the tag
 * the whole output is text. Lengths count code points, as Python's do.
 */
import type { ParsedOutput } from "./family";

/** The marker between the language tag and the transcript. */
export const ASR_TEXT_TAG = "<asr_text>";
const LANGUAGE_PREFIX = "language ";

/** The release's 30 language names (`support_languages`) by the code a caller uses. */
export const QWEN3_ASR_LANGUAGES: Readonly<Record<string, string>> = {
  zh: "Chinese", en: "English", yue: "Cantonese", ar: "Arabic", de: "German", fr: "French", es: "Spanish",
  pt: "Portuguese", id: "Indonesian", it: "Italian", ko: "Korean", ru: "Russian", th: "Thai", vi: "Vietnamese",
  ja: "Japanese", tr: "Turkish", hi: "Hindi", ms: "Malay", nl: "Dutch", sv: "Swedish", da: "Danish",
  fi: "Finnish", pl: "Polish", cs: "Czech", fil: "Filipino", fa: "Persian", el: "Greek", ro: "Romanian",
  hu: "Hungarian", mk: "Macedonian",
};

const CODES_BY_NAME = new Map(Object.entries(QWEN3_ASR_LANGUAGES).map(([code, name]) => [name.toLowerCase(), code]));

/** Runs of more than `threshold` equal characters become one character. */
function collapseCharacterRuns(chars: readonly string[], threshold: number): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < chars.length) {
    let run = 1;
    while (i + run < chars.length && chars[i + run] === chars[i]) run++;
    if (run > threshold) out.push(chars[i]!);
    else out.push(...chars.slice(i, i + run));
    i += run;
  }
  return out;
}

function repeatsAt(chars: readonly string[], start: number, length: number, copyStart: number): boolean {
  for (let j = 0; j < length; j++) if (chars[copyStart + j] !== chars[start + j]) return false;
  return true;
}

/**
 * The first pattern of 1..`maxLength` characters repeated at least `threshold` times
 * in a row becomes one copy; what follows the run is treated the same way.
 */
function collapsePatternRuns(chars: readonly string[], threshold: number, maxLength: number): string[] {
  const n = chars.length;
  if (n < 2 * threshold) return [...chars];
  for (let i = 0; i <= n - 2 * threshold; i++) {
    for (let k = 1; k <= maxLength && i + k * threshold <= n; k++) {
      let copies = 1;
      while (copies < threshold && repeatsAt(chars, i, k, i + copies * k)) copies++;
      if (copies < threshold) continue;
      let end = i + threshold * k;
      while (end + k <= n && repeatsAt(chars, i, k, end)) end += k;
      return [...chars.slice(0, i + k), ...collapsePatternRuns(chars.slice(end), threshold, maxLength)];
    }
  }
  return [...chars];
}

/** The release's repetition post-fix (`detect_and_fix_repetitions`, threshold 20, patterns up to 20 characters). */
export function fixRepetitions(text: string, threshold = 20): string {
  return collapsePatternRuns(collapseCharacterRuns(Array.from(text), threshold), threshold, 20).join("");
}

/** The language code of a name in the tag (`English` → `en`), or null for names outside the release's list. */
function languageCode(name: string): string | null {
  return CODES_BY_NAME.get(name.trim().toLowerCase()) ?? null;
}

/**
 * `raw` as the release reads it. With a forced language the whole output is text
 * (a repeated `language X<asr_text>` is still cut off).
 */
export function parseQwen3AsrOutput(raw: string, forced: boolean): ParsedOutput {
  const s = fixRepetitions(raw.trim());
  const tag = s.indexOf(ASR_TEXT_TAG);
  if (forced) return { text: (tag >= 0 ? s.slice(tag + ASR_TEXT_TAG.length) : s).trim(), language: null };
  if (tag < 0) return { text: s, language: null };
  const meta = s.slice(0, tag);
  const text = s.slice(tag + ASR_TEXT_TAG.length).trim();
  if (meta.toLowerCase().includes("language none")) return { text, language: null };
  const line = meta.split(/\r?\n/).map((l) => l.trim()).find((l) => l.length > 0) ?? "";
  const language = line.toLowerCase().startsWith(LANGUAGE_PREFIX) ? languageCode(line.slice(LANGUAGE_PREFIX.length)) : null;
  return { text, language };
}
