/**
 * A model's own byte-level BPE tokenizer (`tokenizer.json`): encoding through
 * @lenml/tokenizers (added tokens such as <|im_start|> match as whole tokens),
 * decoding through the byte table, so text can be streamed without ever
 * splitting a UTF-8 character.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { TokenizerLoader } from "@lenml/tokenizers";
import { ModelFileError } from "../errors";
import { tokenizerJsonFromBpeFiles } from "./bpe-files";

interface TokenizerJson {
  model: { vocab: Record<string, number> };
  added_tokens?: { id: number; content: string; special: boolean }[];
}

/** GPT-2's `bytes_to_unicode`: printable bytes map to themselves, the rest to 256 + n. */
function byteDecoderTable(): Map<string, number> {
  const table = new Map<string, number>();
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    table.set(String.fromCodePoint(printable ? b : 256 + extra++), b);
  }
  return table;
}

const BYTE_DECODER = byteDecoderTable();
const UTF8 = new TextEncoder();

export class TextTokenizer {
  private readonly bytesById: (Uint8Array | undefined)[] = [];
  private readonly special = new Set<number>();
  private readonly idsByToken = new Map<string, number>();

  private constructor(
    private readonly inner: ReturnType<typeof TokenizerLoader.fromPreTrained>,
    json: TokenizerJson,
    readonly source: string,
  ) {
    for (const [token, id] of Object.entries(json.model.vocab)) {
      this.idsByToken.set(token, id);
      const bytes = [...token].map((ch) => BYTE_DECODER.get(ch));
      if (bytes.every((b) => b !== undefined)) this.bytesById[id] = Uint8Array.from(bytes as number[]);
    }
    for (const added of json.added_tokens ?? []) {
      this.idsByToken.set(added.content, added.id);
      this.bytesById[added.id] = UTF8.encode(added.content);
      if (added.special) this.special.add(added.id);
    }
  }

  /** Reads `tokenizer.json` (else a Qwen2 tokenizer's `vocab.json` and `merges.txt`) and `tokenizer_config.json` when present from `dir`. */
  static load(dir: string): TextTokenizer {
    const file = join(dir, "tokenizer.json");
    const fromBpeFiles = existsSync(file) ? null : tokenizerJsonFromBpeFiles(dir);
    if (!existsSync(file) && !fromBpeFiles) throw new ModelFileError("TOKENIZER_MISSING", file, "the model's tokenizer.json is missing (and there is no vocab.json with merges.txt either)");
    let json: TokenizerJson;
    let config: Record<string, unknown> = {};
    try {
      json = (fromBpeFiles ?? JSON.parse(readFileSync(file, "utf8"))) as TokenizerJson;
      const configFile = join(dir, "tokenizer_config.json");
      if (existsSync(configFile)) config = JSON.parse(readFileSync(configFile, "utf8")) as Record<string, unknown>;
    } catch (e) {
      throw new ModelFileError("TOKENIZER_INVALID", file, `cannot be parsed (${(e as Error).message})`);
    }
    if (!json.model?.vocab) throw new ModelFileError("TOKENIZER_INVALID", file, "has no model.vocab (not a BPE tokenizer.json)");
    // transformers 5 names a plain tokenizer.json "TokenizersBackend", which the library does not know (it would warn on stderr).
    if (config.tokenizer_class === "TokenizersBackend") config = { ...config, tokenizer_class: "PreTrainedTokenizerFast" };
    const inner = TokenizerLoader.fromPreTrained({ tokenizerJSON: json, tokenizerConfig: config } as Parameters<typeof TokenizerLoader.fromPreTrained>[0]);
    return new TextTokenizer(inner, json, file);
  }

  /** Token ids of `text`, no BOS; special tokens written in the text become their ids. */
  encode(text: string): number[] {
    if (text === "") return [];
    return this.inner.encode(text, { add_special_tokens: false }) as number[];
  }

  /** The id of a token string (e.g. "<|im_end|>"), or undefined. */
  idOf(token: string): number | undefined {
    return this.idsByToken.get(token);
  }

  isSpecial(id: number): boolean {
    return this.special.has(id);
  }

  /** The UTF-8 bytes a token stands for (empty for special tokens when skipped). */
  tokenBytes(id: number, skipSpecial = true): Uint8Array {
    if (skipSpecial && this.special.has(id)) return new Uint8Array(0);
    return this.bytesById[id] ?? new Uint8Array(0);
  }

  /** Decodes ids to text; invalid UTF-8 becomes U+FFFD, as HF's errors="replace". */
  decode(ids: readonly number[], skipSpecial = true): string {
    const stream = new StreamingTextDecoder(this, skipSpecial);
    return ids.map((id) => stream.push(id)).join("") + stream.flush();
  }
}

/** Turns ids into text incrementally, emitting only complete UTF-8 characters. */
export class StreamingTextDecoder {
  private readonly decoder = new TextDecoder("utf-8", { fatal: false });

  constructor(
    private readonly tokenizer: TextTokenizer,
    private readonly skipSpecial = true,
  ) {}

  push(id: number): string {
    return this.decoder.decode(this.tokenizer.tokenBytes(id, this.skipSpecial), { stream: true });
  }

  flush(): string {
    return this.decoder.decode();
  }
}
