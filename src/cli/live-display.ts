/**
 * How `transcribe --live` shows text as it comes. On a terminal the committed text
 * is written once and the tentative tail after it is redrawn in place (dimmed);
 * otherwise each committed piece is written on a line of its own, so a reader of
 * the pipe sees only text that will not change.
 */
export interface TextSink {
  write(text: string): unknown;
}

const SAVE_CURSOR = "\x1b7";
const RESTORE_AND_CLEAR = "\x1b8\x1b[J";
const DIM = "\x1b[2m";
const NORMAL = "\x1b[0m";

export class LiveDisplay {
  private tentativeShown = false;
  /** Committed text written since the last line break (terminal). */
  private midLine = false;

  constructor(
    private readonly out: TextSink,
    readonly terminal: boolean,
    private readonly notes: TextSink,
  ) {}

  update(added: string, tentative: string): void {
    if (!this.terminal) {
      if (added) this.out.write(`${added}\n`);
      return;
    }
    this.eraseTentative();
    if (added) {
      this.out.write(added);
      this.midLine = !added.endsWith("\n");
    }
    if (tentative) {
      this.out.write(`${SAVE_CURSOR}${DIM}${tentative}${NORMAL}`);
      this.tentativeShown = true;
    }
  }

  /** A line for the user (figures, warnings) that must not be drawn over. */
  note(line: string): void {
    if (this.terminal) {
      this.eraseTentative();
      if (this.midLine) this.out.write("\n");
      this.midLine = false;
    }
    this.notes.write(`${line}\n`);
  }

  /** The live text is complete. */
  end(): void {
    if (!this.terminal) return;
    this.eraseTentative();
    if (this.midLine) this.out.write("\n");
    this.midLine = false;
  }

  private eraseTentative(): void {
    if (!this.tentativeShown) return;
    this.out.write(RESTORE_AND_CLEAR);
    this.tentativeShown = false;
  }
}
