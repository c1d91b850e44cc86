/** A vocabulary as a plain list of token strings, the id being the position (FunASR's `tokens.json`). */
import { z } from "zod";
import { parseWith, readJsonFile } from "../config";

const TokenListSchema = z.array(z.string()).min(1, "holds no tokens").max(10_000_000);

export class TokenList {
  private constructor(
    readonly tokens: readonly string[],
    /** The file, for errors. */
    readonly source: string,
  ) {}

  static load(path: string): TokenList {
    return new TokenList(parseWith(TokenListSchema, readJsonFile(path), path), path);
  }

  get size(): number {
    return this.tokens.length;
  }

  /** The token strings of `ids` (every id below `size`). */
  pieces(ids: readonly number[]): string[] {
    return ids.map((id) => this.tokens[id]!);
  }
}
