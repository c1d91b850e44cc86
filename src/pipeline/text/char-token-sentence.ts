/**
 * Text from character tokens the way FunASR writes it (`sentence_postprocess` and
 * `abbr_dispose`, `funasr/utils/postprocess_utils.py`), with and without a time per
 * token. CJK characters are written as they come; a piece ending in `@@` starts or
 * continues an English word that the next plain piece completes; a completed English
 * word is followed by a space, taken back when a CJK character follows; runs of
 * space-separated single letters become one upper-case word. Upstream's quirks are
 * kept, because they decide which words get which times: a pending `@@` piece
 * followed by a CJK character is not written (the character takes the piece's time),
 * and the predicates compare whole token strings as upstream does.
 */

export type TokenTime = readonly [number, number];

const DROPPED = ["<s>", "</s>", "<unk>", "<OOV>"];

/** FunASR `isChinese`: a string comparison, so a token counts by its first character (digits and "@" count too). */
function isChinese(text: string): boolean {
  return (text >= "\u4e00" && text <= "\u9fff") || (text >= "0" && text <= "9") || text === "@";
}

function washed(item: string): string {
  let out = item.replaceAll(" ", "");
  for (const special of ["</s>", "<s>", "<unk>", "<OOV>"]) out = out.replaceAll(special, "");
  return out;
}

/** Python's `str.isalpha`: non-empty and every character a Unicode letter. */
function isAlpha(text: string): boolean {
  return /^\p{L}+$/u.test(text);
}

/** Python's `bytes.isalpha` of the UTF-8 bytes: non-empty ASCII letters only. */
function isAsciiAlpha(text: string): boolean {
  return /^[A-Za-z]+$/.test(text);
}

/** FunASR `isAllChinese` over items (tokens, or the characters of one token). */
function isAllChinese(items: readonly string[]): boolean {
  return items.length > 0 && items.every((item) => isChinese(washed(item)));
}

/** FunASR `isAllAlpha` over items. */
function isAllAlpha(items: readonly string[]): boolean {
  if (items.length === 0) return false;
  for (const item of items.map(washed)) {
    if (!isAlpha(item) && item !== "'") return false;
    if (isAlpha(item) && isChinese(item)) return false;
  }
  return true;
}

interface Words {
  /** Words, and " " entries between English words. */
  readonly items: string[];
  readonly times: [number, number][];
}

/** FunASR `sentence_postprocess` up to `abbr_dispose`. */
function assemble(tokens: readonly string[], times: readonly TokenTime[] | null): Words {
  const middle = tokens.filter((t) => !DROPPED.includes(t));
  const items: string[] = [];
  let out: [number, number][] = [];
  const at = (i: number): TokenTime | undefined => times?.[i];
  if (isAllChinese(middle)) {
    for (const token of middle) items.push(token.replaceAll(" ", ""));
    if (times) out = times.map(([a, b]) => [a, b]);
    return { items, times: out };
  }
  const alphaOnly = isAllAlpha(middle);
  let pending = "";
  let timed = true;
  let alphaBlank = false;
  let begin = -1;
  let end = -1;
  const close = (i: number) => {
    timed = true;
    end = at(i)?.[1] ?? end;
    out.push([begin, end]);
    begin = end;
  };
  middle.forEach((token, i) => {
    if (timed && at(i)) [begin, end] = at(i)!;
    if (!alphaOnly && isAllChinese([...token])) {
      if (alphaBlank) items.pop();
      items.push(token);
      alphaBlank = false;
      if (times) {
        timed = true;
        out.push([begin, end]);
        begin = end;
      }
    } else if (token.includes("@@")) {
      pending += token.replaceAll("@@", "");
      alphaBlank = false;
      if (times) {
        timed = false;
        end = at(i)?.[1] ?? end;
      }
    } else if (alphaOnly || isAllAlpha([...token])) {
      items.push(pending + token, " ");
      pending = "";
      alphaBlank = true;
      if (times) close(i);
    } else {
      items.push(token);
    }
  });
  return { items, times: out };
}

/** FunASR `abbr_dispose`: "a b c" → "ABC", with the first letter's start and the last letter's end. */
function mergeAbbreviations(words: readonly string[], times: readonly (readonly [number, number])[] | null): Words {
  const n = words.length;
  const single = (i: number) => i < n && [...words[i]!].length === 1 && isAsciiAlpha(words[i]!);
  const begins = new Set<number>();
  const ends = new Set<number>();
  let last = -1;
  for (let start = 0; start < n; start++) {
    if (start <= last || !single(start) || words[start + 1] !== " " || !single(start + 2)) continue;
    begins.add(start);
    let end = start + 2;
    let num = end;
    for (;;) {
      num += 1;
      if (num >= n || words[num] !== " ") break;
      num += 1;
      if (!single(num)) break;
      end = num;
      last = num;
    }
    ends.add(end);
  }
  const timeIndex: number[] = [];
  let counted = 0;
  for (const word of words) {
    timeIndex.push(counted);
    if (word !== " ") counted++;
  }
  const items: string[] = [];
  const out: [number, number][] = [];
  const time = (i: number) => (times && timeIndex[i]! < times.length ? times[timeIndex[i]!]! : undefined);
  last = -1;
  for (let start = 0; start < n; start++) {
    if (start <= last) continue;
    if (begins.has(start)) {
      const begin = time(start)?.[0];
      let word = words[start]!.toUpperCase();
      let num = start + 1;
      for (; num < n; num++) {
        if (ends.has(num)) {
          word += words[num]!.toUpperCase();
          last = num;
          break;
        }
        if (isAsciiAlpha(words[num]!)) word += words[num]!.toUpperCase();
      }
      items.push(word);
      const stop = time(num);
      if (stop && begin !== undefined) out.push([begin, stop[1]]);
    } else {
      items.push(words[start]!);
      const own = time(start);
      if (own && words[start] !== " ") out.push([own[0], own[1]]);
    }
  }
  return { items, times: out };
}

/** The transcript of `tokens` (FunASR `sentence_postprocess(tokens)`). */
export function charTokenText(tokens: readonly string[]): string {
  return mergeAbbreviations(assemble(tokens, null).items, null).items.join("").trim();
}

/**
 * The words of `tokens` with their times (FunASR `sentence_postprocess(tokens, times)`,
 * `times` one per token): words without spaces, and times for them in order (fewer
 * than the words when upstream's rules leave some word without one).
 */
export function charTokenWords(tokens: readonly string[], times: readonly TokenTime[]): { words: string[]; times: [number, number][] } {
  const assembled = assemble(tokens, times);
  const merged = mergeAbbreviations(assembled.items, assembled.times);
  return { words: merged.items.filter((w) => w !== " "), times: merged.times };
}
