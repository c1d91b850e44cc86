/**
 * What every live transcription session shares: audio is fed as it is recorded,
 * passes run in the background whenever a whole chunk of new audio has arrived
 * (one at a time, each with the engine to itself), text once committed only grows,
 * and `finish()` decodes what is left. How a pass turns the recording into text is
 * the subclass's: a prompted language model continuing its answer, or a one-pass
 * recognizer run again on the audio not committed yet.
 */
import { CancelledError, UsageError } from "../../errors";
import type { AudioPromptRequest } from "../../families/family";
import { MODEL_SAMPLE_RATE } from "../../audio/load";
import type { TranscriptionResult } from "../transcriber";
import { Recording } from "./recording";

/** What one decoding pass took. */
export interface LiveChunkStats {
  /** 0 for the first pass. */
  readonly index: number;
  /** Seconds of recording decoded up to (the pass's audio end). */
  readonly audioSeconds: number;
  /** Seconds of new audio this pass took in (one chunk unless the session fell behind, less at the end). */
  readonly newSeconds: number;
  readonly processingMs: number;
  readonly encoderMs: number;
  readonly prefillMs: number;
  readonly decodeMs: number;
  /** Positions of the language model's prompt (0 for a recognizer without one). */
  readonly promptPositions: number;
  /** Of those, the positions kept from the pass before rather than prefilled again. */
  readonly reusedPositions: number;
  /** Tokens generated in this pass. */
  readonly tokens: number;
  /** All processing so far ÷ the audio decoded so far: below 1 keeps up. */
  readonly realTimeFactor: number;
  readonly final: boolean;
}

export interface LiveUpdate {
  /** All committed text: each update's starts with the previous one's. */
  readonly committed: string;
  /** The text committed by this pass. */
  readonly added: string;
  /** What the model says beyond the committed text for now (may change). */
  readonly tentative: string;
  readonly chunk: LiveChunkStats;
}

/** Overrides of a family's live settings; each kind of session reads the ones it has. */
export interface LiveSettingOverrides {
  readonly chunkSeconds?: number;
  readonly encoderWindowSeconds?: number;
  readonly contextWindows?: number;
  readonly unfixedChunks?: number;
  readonly rollbackTokens?: number;
  readonly maxNewTokens?: number;
  readonly prefixTokens?: number;
  readonly settleSeconds?: number;
  readonly windowSeconds?: number;
}

/** What a caller of `Transcriber.live` chooses. */
export interface LiveOptions {
  /** A language code of the family, or "auto" (the default) where the family detects it. */
  readonly language?: string;
  readonly hotwords?: readonly string[];
  /** Receives the committed and tentative text after every pass. */
  readonly onUpdate?: (update: LiveUpdate) => void;
  readonly signal?: AbortSignal;
  /** Overrides of the family's live settings. */
  readonly settings?: LiveSettingOverrides;
  /** How errors name the input, e.g. "<stdin>". */
  readonly source?: string;
}

/** What a session is given by the Transcriber that opens it. */
export interface LiveSessionOptions {
  readonly request: AudioPromptRequest;
  readonly warnings: readonly string[];
  readonly onUpdate?: (update: LiveUpdate) => void;
  readonly signal?: AbortSignal;
  /** Runs a pass with the engine to itself (the Transcriber's queue). */
  readonly exclusive: <T>(job: () => Promise<T>) => Promise<T>;
  /** How errors name the input. */
  readonly source?: string;
}

export abstract class LiveSession {
  protected readonly recording: Recording;
  protected readonly stats: LiveChunkStats[] = [];
  /** Samples of the recording decoded so far. */
  protected decodedUpTo = 0;
  private readonly chunkSamples: number;
  private running: Promise<void> | null = null;
  private failure: unknown = null;
  private finishing: Promise<TranscriptionResult> | null = null;

  protected constructor(
    protected readonly options: LiveSessionOptions,
    chunkSeconds: number,
  ) {
    this.recording = new Recording(options.source ?? "<live>");
    this.chunkSamples = Math.round(chunkSeconds * MODEL_SAMPLE_RATE);
  }

  /** The text committed so far. */
  abstract get committed(): string;

  /** Each pass's figures so far. */
  get chunks(): readonly LiveChunkStats[] {
    return this.stats;
  }

  /** More of the recording: mono samples at `sampleRate` (the same for every call). Decoding runs in the background. */
  feed(samples: Float32Array, sampleRate: number): void {
    this.throwIfFailed();
    if (this.finishing) throw new UsageError("LIVE_FINISHED", this.recording.source, "audio was fed after finish()");
    this.recording.append(samples, sampleRate);
    this.schedule();
  }

  /** Resolves once every complete chunk fed so far has been decoded (rejects with a pass's failure). */
  async drain(): Promise<void> {
    while (this.running) await this.running;
    this.throwIfFailed();
  }

  /** Decodes the rest of the recording and commits all of it; the transcript of the whole session. */
  finish(): Promise<TranscriptionResult> {
    this.finishing ??= (async () => {
      await this.drain();
      this.recording.close();
      await this.options.exclusive(() => this.checkedPass(this.passExtent(true)));
      return this.result();
    })();
    return this.finishing;
  }

  /** One pass over the recording up to `extent.upTo`, taking in `extent.chunks` chunks of new audio. */
  protected abstract pass(extent: PassExtent): Promise<void>;

  /** The transcript of the whole session, once the last pass ran. */
  protected abstract result(): TranscriptionResult;

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  private schedule(): void {
    if (this.running || this.failure) return;
    if (this.recording.end - this.decodedUpTo < this.chunkSamples) return;
    this.running = (async () => {
      try {
        while (!this.failure && this.recording.end - this.decodedUpTo >= this.chunkSamples) await this.options.exclusive(() => this.checkedPass(this.passExtent(false)));
      } catch (e) {
        this.failure = e;
      } finally {
        this.running = null;
      }
    })();
  }

  /** How far a pass decodes: every whole chunk received (the last pass: everything). */
  private passExtent(final: boolean): PassExtent {
    const pending = this.recording.end - this.decodedUpTo;
    const chunks = final ? Math.ceil(pending / this.chunkSamples) : Math.floor(pending / this.chunkSamples);
    return { final, chunks, upTo: final ? this.recording.end : this.decodedUpTo + chunks * this.chunkSamples };
  }

  private async checkedPass(extent: PassExtent): Promise<void> {
    if (this.options.signal?.aborted) throw new CancelledError("CANCELLED", this.recording.source, "live transcription cancelled");
    return this.pass(extent);
  }
}

export interface PassExtent {
  readonly final: boolean;
  /** Whole chunks of new audio (the last pass: the chunks begun). */
  readonly chunks: number;
  /** The recording's sample the pass decodes up to. */
  readonly upTo: number;
}
