/**
 * A `tokenizer.json` built from the files of a Qwen2-style slow tokenizer
 * (`vocab.json`, `merges.txt` and `tokenizer_config.json` with its
 * `added_tokens_decoder`), as transformers' `Qwen2TokenizerFast` converts them: NFC,
 * the Qwen2 split pattern, byte-level BPE. Qwen3-ASR's release ships only these.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { parseWith, readJsonFile } from "../config";
import { ModelFileError } from "../errors";

/** transformers `tokenization_qwen2.PRETOKENIZE_REGEX`. */
const QWEN2_SPLIT = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const BYTE_LEVEL = { type: "ByteLevel", add_prefix_space: false, trim_offsets: false, use_regex: false };

const TokenizerConfigSchema = z.object({
  tokenizer_class: z.string().optional(),
  added_tokens_decoder: z
    .record(
      z.string().regex(/^\d+$/),
      z.object({
        content: z.string(),
        special: z.boolean().default(false),
        lstrip: z.boolean().default(false),
        rstrip: z.boolean().default(false),
        normalized: z.boolean().optional(),
        single_word: z.boolean().default(false),
      }),
    )
    .default({}),
});

const VocabSchema = z.record(z.string(), z.number().int().nonnegative());

/** The tokenizer.json those files describe, or null when `dir` lacks `vocab.json` or `merges.txt`. */
export function tokenizerJsonFromBpeFiles(dir: string): Record<string, unknown> | null {
  const vocabFile = join(dir, "vocab.json");
  const mergesFile = join(dir, "merges.txt");
  if (!existsSync(vocabFile) || !existsSync(mergesFile)) return null;
  const configFile = join(dir, "tokenizer_config.json");
  const config = existsSync(configFile) ? parseWith(TokenizerConfigSchema, readJsonFile(configFile), configFile) : TokenizerConfigSchema.parse({});
  if (config.tokenizer_class && !/^Qwen2Tokenizer(Fast)?$/.test(config.tokenizer_class)) {
    throw new ModelFileError("TOKENIZER_INVALID", configFile, `is a ${config.tokenizer_class}; without tokenizer.json only a Qwen2Tokenizer's vocab.json and merges.txt can be read`);
  }
  const vocab = parseWith(VocabSchema, readJsonFile(vocabFile), vocabFile);
  const merges = readFileSync(mergesFile, "utf8")
    .split("\n")
    .filter((line) => line.length > 0 && !line.startsWith("#version"))
    .map((line) => line.split(" "));
  const bad = merges.findIndex((pair) => pair.length !== 2);
  if (bad >= 0) throw new ModelFileError("TOKENIZER_INVALID", mergesFile, `merge ${bad + 1} is not two symbols separated by a space`);
  const addedTokens = Object.entries(config.added_tokens_decoder)
    .map(([id, t]) => ({ id: Number(id), ...t, normalized: t.normalized ?? !t.special }))
    .sort((a, b) => a.id - b.id);
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: { type: "NFC" },
    pre_tokenizer: { type: "Sequence", pretokenizers: [{ type: "Split", pattern: { Regex: QWEN2_SPLIT }, behavior: "Isolated", invert: false }, BYTE_LEVEL] },
    post_processor: BYTE_LEVEL,
    decoder: BYTE_LEVEL,
    model: { type: "BPE", dropout: null, unk_token: null, continuing_subword_prefix: "", end_of_word_suffix: "", fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges },
  };
}
