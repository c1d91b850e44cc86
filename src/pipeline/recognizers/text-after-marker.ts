/**
 * Streamed text that starts after a marker in the output (a model's meta text,
 * such as a language tag, comes first): pieces are held until the marker has
 * appeared, then what follows it passes on as it comes.
 */
export class TextAfterMarker {
  private held = "";
  private open: boolean;

  constructor(
    /** Null: everything passes from the start. */
    private readonly marker: string | null,
    private readonly emit: (piece: string) => void,
  ) {
    this.open = marker === null;
  }

  push(piece: string): void {
    if (this.open) {
      this.emit(piece);
      return;
    }
    this.held += piece;
    const at = this.held.indexOf(this.marker!);
    if (at < 0) return;
    this.open = true;
    const rest = this.held.slice(at + this.marker!.length);
    this.held = "";
    if (rest) this.emit(rest);
  }

  /** At the end: when the marker never came, `text` (what the output was read as) is emitted whole. */
  finish(text: string): void {
    if (!this.open && text) this.emit(text);
  }
}
