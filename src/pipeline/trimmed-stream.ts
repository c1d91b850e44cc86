/**
 * Streams text trimmed at both ends without taking anything back: leading
 * whitespace is dropped, trailing whitespace is held until something follows it.
 */
export class TrimmedStream {
  private started = false;
  private pendingSpace = "";
  private readonly out: string[] = [];

  constructor(private readonly emit: (piece: string) => void) {}

  push(piece: string): void {
    let text = this.pendingSpace + piece;
    if (!this.started) {
      text = text.trimStart();
      if (!text) {
        this.pendingSpace = "";
        return;
      }
      this.started = true;
    }
    const body = text.trimEnd();
    this.pendingSpace = text.slice(body.length);
    if (body) {
      this.out.push(body);
      this.emit(body);
    }
  }

  /** Everything emitted so far. */
  get text(): string {
    return this.out.join("");
  }
}
