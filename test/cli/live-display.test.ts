/** What `transcribe --live` writes: pieces on lines through a pipe; on a terminal, committed text once and the tentative tail redrawn. */
import { describe, expect, test } from "bun:test";
import { LiveDisplay } from "../../src/cli/live-display";

function sinks() {
  const out: string[] = [];
  const notes: string[] = [];
  return { out, notes, sink: { write: (t: string) => out.push(t) }, noteSink: { write: (t: string) => notes.push(t) } };
}

describe("the live display", () => {
  test("through a pipe: each committed piece on a line, nothing tentative", () => {
    const { out, sink, noteSink } = sinks();
    const display = new LiveDisplay(sink, false, noteSink);
    display.update("", "maybe");
    display.update("Hello", " wor");
    display.update(" world", "");
    display.end();
    expect(out.join("")).toBe("Hello\n world\n");
  });

  test("on a terminal: the tentative tail is erased before what follows, notes go on lines of their own", () => {
    const { out, notes, sink, noteSink } = sinks();
    const display = new LiveDisplay(sink, true, noteSink);
    display.update("Hello", " wor");
    display.note("live: chunk 1");
    display.update(" world", "!");
    display.end();
    expect(out.join("")).toBe("Hello\x1b7\x1b[2m wor\x1b[0m\x1b8\x1b[J\n world\x1b7\x1b[2m!\x1b[0m\x1b8\x1b[J\n");
    expect(notes).toEqual(["live: chunk 1\n"]);
  });
});
