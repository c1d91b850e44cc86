/**
 * A live session over a one-pass recognizer that times every word (Paraformer's
 * CIF): every chunk of new audio, the recognizer runs again on the audio not
 * committed yet. Words ending more than the settling margin before the end of the
 * audio are committed, the audio is cut between the last of them and the next word
 * and let go, so each pass sees a few seconds however long the session runs.
 * Stretches without words are let go the same way, up to the margin.
 */
import { MODEL_SAMPLE_RATE } from "../../audio/load";
import { toTensor } from "../../engine/transfer";
import type { RerunLiveDefaults } from "../../families/family";
import type { TranscriptSegment, TranscriptWord } from "../../formats/transcript";
import { releaseMemory } from "../../runtime";
import type { RecognizedPiece, Recognizer } from "../recognizers/recognizer";
import { joinTexts } from "../text/script-join";
import type { Timings, TranscriptionResult } from "../transcriber";
import { LiveSession, type LiveChunkStats, type LiveSessionOptions, type PassExtent } from "./live-session";

export interface RerunLiveSessionOptions extends LiveSessionOptions {
  readonly settings: RerunLiveDefaults;
}

/** Below this, a window holds no frame worth decoding. */
const SHORTEST_WINDOW_SECONDS = 0.1;

/** How far before a word a cut through the silence ahead of it may go. */
const LEAD_IN_SECONDS = 0.3;

/** Words of a pass, on the session's clock. */
interface Reading {
  readonly words: readonly TranscriptWord[];
  readonly text: string;
  readonly tokens: readonly number[];
}

export class RerunLiveSession extends LiveSession {
  /** The recording's sample where the audio not committed yet begins. */
  private origin = 0;
  private committedText = "";
  private tentativeText = "";
  private language: string | null = null;
  private readonly segments: TranscriptSegment[] = [];
  private readonly timings: Timings = { audioMs: 0, frontendMs: 0, encoderMs: 0, prefillMs: 0, decodeMs: 0, totalMs: 0, tokens: 0, tokensPerSecond: 0, realTimeFactor: 0 };

  constructor(
    private readonly recognizer: Recognizer,
    protected override readonly options: RerunLiveSessionOptions,
  ) {
    super(options, options.settings.chunkSeconds);
  }

  get committed(): string {
    return this.committedText;
  }

  protected async pass({ final, upTo }: PassExtent): Promise<void> {
    const started = performance.now();
    const originSeconds = this.origin / MODEL_SAMPLE_RATE;
    const endSeconds = upTo / MODEL_SAMPLE_RATE;
    const newSeconds = (upTo - this.decodedUpTo) / MODEL_SAMPLE_RATE;
    const piece = endSeconds - originSeconds >= SHORTEST_WINDOW_SECONDS ? await this.recognize(upTo) : null;
    const reading = piece ? this.reading(piece, originSeconds) : { words: [], text: "", tokens: [] };
    this.decodedUpTo = upTo;

    const before = this.committedText;
    if (final) {
      this.commit(reading.words, reading.text, reading.tokens, endSeconds);
      this.tentativeText = "";
    } else {
      const { settled, cut } = this.settle(reading.words, originSeconds, endSeconds);
      if (settled.length > 0) this.commit(settled, joinTexts(settled.map((w) => w.text)), [], cut);
      this.tentativeText = joinTexts(reading.words.slice(settled.length).map((w) => w.text));
      this.origin = Math.max(this.origin, Math.round(cut * MODEL_SAMPLE_RATE));
      this.recording.dropBefore(this.origin);
    }

    const processingMs = performance.now() - started;
    this.timings.totalMs += processingMs;
    const chunk: LiveChunkStats = {
      index: this.stats.length,
      audioSeconds: endSeconds,
      newSeconds,
      processingMs,
      encoderMs: piece ? piece.timings.frontendMs + piece.timings.encoderMs : 0,
      prefillMs: 0,
      decodeMs: piece?.timings.decodeMs ?? 0,
      promptPositions: 0,
      reusedPositions: 0,
      tokens: reading.tokens.length,
      realTimeFactor: endSeconds > 0 ? this.timings.totalMs / 1000 / endSeconds : 0,
      final,
    };
    this.stats.push(chunk);
    this.options.onUpdate?.({ committed: this.committedText, added: this.committedText.slice(before.length), tentative: this.tentativeText, chunk });
    await releaseMemory();
  }

  private async recognize(upTo: number): Promise<RecognizedPiece> {
    const samples = this.recording.slice(this.origin, upTo);
    const piece = await this.recognizer.recognize(toTensor(samples), this.recording.source, {
      ...this.options.request,
      durationSeconds: samples.length / MODEL_SAMPLE_RATE,
      signal: this.options.signal,
    });
    this.timings.frontendMs += piece.timings.frontendMs;
    this.timings.encoderMs += piece.timings.encoderMs;
    this.timings.decodeMs += piece.timings.decodeMs;
    this.timings.tokens += piece.tokens.length;
    this.language = piece.language ?? this.language;
    return piece;
  }

  /** The piece's words moved from the window's clock to the session's. */
  private reading(piece: RecognizedPiece, originSeconds: number): Reading {
    const words = (piece.words ?? []).map((w) => ({ ...w, start: w.start + originSeconds, end: w.end + originSeconds }));
    return { words, text: piece.text, tokens: piece.tokens };
  }

  /**
   * The words that will not change with more audio and where to cut the audio
   * after them: those ending before the settling margin; in a window over its
   * length, every word that has ended (the last is still going while it touches the
   * end); in a window over twice its length, all of them, cut or not.
   */
  private settle(words: readonly TranscriptWord[], originSeconds: number, endSeconds: number): { settled: readonly TranscriptWord[]; cut: number } {
    const { settleSeconds, windowSeconds } = this.options.settings;
    const length = endSeconds - originSeconds;
    const margin = endSeconds - settleSeconds;
    if (length > 2 * windowSeconds) return { settled: words, cut: endSeconds };
    const settledBy = length > windowSeconds ? Math.max(margin, endSeconds - SHORTEST_WINDOW_SECONDS) : margin;
    let count = 0;
    while (count < words.length && words[count]!.end <= settledBy) count++;
    const next = words[count];
    if (count === 0) {
      // Nothing settled: the silence before the first word (or up to the margin) goes.
      const cut = next ? Math.min(next.start - LEAD_IN_SECONDS, margin) : margin;
      return { settled: [], cut: Math.max(originSeconds, cut) };
    }
    const last = words[count - 1]!;
    const gapEnd = next ? Math.max(next.start, last.end) : Math.max(settledBy, last.end);
    return { settled: words.slice(0, count), cut: (last.end + gapEnd) / 2 };
  }

  private commit(words: readonly TranscriptWord[], text: string, tokens: readonly number[], cut: number): void {
    const start = this.segments.at(-1)?.end ?? 0;
    const trimmed = text.trim();
    this.committedText = joinTexts([this.committedText, trimmed]);
    if (!trimmed) return;
    this.segments.push({ start, end: Math.max(start, cut), text: trimmed, ...(tokens.length > 0 ? { tokens } : {}), ...(words.length > 0 ? { words } : {}) });
  }

  protected result(): TranscriptionResult {
    const duration = this.recording.seconds;
    const timings = { ...this.timings };
    timings.tokensPerSecond = timings.decodeMs > 0 ? (timings.tokens / timings.decodeMs) * 1000 : 0;
    timings.realTimeFactor = duration > 0 ? timings.totalMs / 1000 / duration : 0;
    const language = this.options.request.language !== "auto" ? this.options.request.language : this.language;
    return { text: this.committedText, language, durationSeconds: duration, segments: [...this.segments], task: "transcribe", timings, warnings: [...this.options.warnings] };
  }
}
