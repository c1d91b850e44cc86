/** Guessing a transcript's language from its script, for requests made with language "auto". */

export function languageFromScript(text: string): string {
  const count = (re: RegExp) => (text.match(re) ?? []).length;
  const kana = count(/[\u3040-\u30ff]/g);
  const hangul = count(/[\uac00-\ud7af]/g);
  const han = count(/[\u4e00-\u9fff]/g);
  const latin = count(/[A-Za-z]/g);
  if (kana > 0 && kana >= hangul) return "ja";
  if (hangul > han && hangul > latin / 4) return "ko";
  if (han > 0 && han >= latin / 4) return "zh";
  if (latin > 0) return "en";
  return "auto";
}
