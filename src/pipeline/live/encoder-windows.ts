/**
 * The audio rows of a growing recording, window by window: a completed window is
 * encoded once and kept (for the AuT encoder, whose attention windows are exactly
 * these, that is what encoding the whole recording gives); the window still filling
 * is encoded again each time. Only the last `keep` completed windows stay, so the
 * prompt's audio is bounded.
 */
import { mx, type Tensor } from "../../engine/mlx";
import { toTensor } from "../../engine/transfer";
import type { Recording } from "./recording";

export interface WindowRows {
  /** `[N, H]`: the completed windows' rows, then the rows of the window still filling. */
  readonly rows: Tensor;
  readonly completed: readonly Tensor[];
}

/** `samples [S]` (16 kHz) → rows `[N, H]`, evaluated. */
export type EmbedAudio = (samples: Tensor) => Tensor;

export class EncoderWindows {
  private readonly completed: Tensor[] = [];
  /** Absolute sample where the window still filling starts. */
  private windowStart = 0;

  constructor(
    private readonly recording: Recording,
    private readonly embed: EmbedAudio,
    private readonly windowSamples: number,
    private readonly keep: number,
  ) {}

  /** Audio seconds the rows of the last call start at (older windows were let go). */
  get contextStartSeconds(): number {
    return (this.windowStart - this.completed.length * this.windowSamples) / 16000;
  }

  /** The rows of the recording up to sample `upTo`; null when there are none. */
  rows(upTo: number): Tensor | null {
    return this.windowRows(upTo)?.rows ?? null;
  }

  /**
   * The rows up to sample `upTo`, and the completed windows they start with: those
   * are the same tensors in every later call until a window is let go.
   */
  windowRows(upTo: number): WindowRows | null {
    while (this.windowStart + this.windowSamples <= upTo) {
      const rows = this.encode(this.windowStart, this.windowStart + this.windowSamples);
      if (rows) this.completed.push(rows);
      if (this.completed.length > this.keep) this.completed.shift();
      this.windowStart += this.windowSamples;
      this.recording.dropBefore(this.windowStart);
    }
    const partial = upTo > this.windowStart ? this.encode(this.windowStart, upTo) : null;
    const completed = [...this.completed];
    const all = partial ? [...completed, partial] : completed;
    if (all.length === 0) return null;
    return { rows: all.length === 1 ? all[0]! : mx.concatenate(all, 0), completed };
  }

  private encode(from: number, to: number): Tensor | null {
    const rows = this.embed(toTensor(this.recording.slice(from, to)));
    return rows.shape[0]! > 0 ? rows : null;
  }
}
