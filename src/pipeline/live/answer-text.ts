/**
 * The model's answer of a live session as text: the committed tokens become
 * pieces that are only ever added (never splitting a character; what precedes the
 * family's marker, such as a language tag, is held; leading whitespace dropped,
 * trailing whitespace held until something follows), and the tentative tail is
 * what the whole answer says beyond them.
 */
import { TextAfterMarker } from "../recognizers/text-after-marker";
import { StreamingTextDecoder, type TextTokenizer } from "../tokenizer";
import { TrimmedStream } from "../trimmed-stream";

export class AnswerText {
  private readonly decoder: StreamingTextDecoder;
  private readonly afterMarker: TextAfterMarker;
  private readonly trimmed: TrimmedStream;
  private committedTokens = 0;
  private added = "";

  constructor(
    private readonly tokenizer: TextTokenizer,
    private readonly marker: string | null,
  ) {
    this.decoder = new StreamingTextDecoder(tokenizer);
    this.trimmed = new TrimmedStream((piece) => (this.added += piece));
    this.afterMarker = new TextAfterMarker(marker, (piece) => this.trimmed.push(piece));
  }

  /** How many tokens of the answer are committed. */
  get tokenCount(): number {
    return this.committedTokens;
  }

  /** The committed text. */
  get text(): string {
    return this.trimmed.text;
  }

  /** Commits `answer[tokenCount, upTo)`; returns the text this added. */
  commit(answer: readonly number[], upTo: number): string {
    this.added = "";
    for (; this.committedTokens < upTo; this.committedTokens++) this.afterMarker.push(this.decoder.push(answer[this.committedTokens]!));
    return this.added;
  }

  /** Commits the whole answer as the last step; `parsed` is how the family reads it (emitted whole when the marker never came). */
  finish(answer: readonly number[], parsed: string): string {
    const added = this.commit(answer, answer.length);
    this.added = "";
    this.afterMarker.push(this.decoder.flush());
    this.afterMarker.finish(parsed);
    return added + this.added;
  }

  /** What the whole `answer` says beyond the committed text. */
  tentative(answer: readonly number[]): string {
    let text = this.tokenizer.decode(answer);
    if (this.marker !== null) {
      const at = text.indexOf(this.marker);
      text = at < 0 ? "" : text.slice(at + this.marker.length);
    }
    text = text.trimStart();
    const committed = this.text;
    return text.startsWith(committed) ? text.slice(committed.length).trimEnd() : "";
  }
}
