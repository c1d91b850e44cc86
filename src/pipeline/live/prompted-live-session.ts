/**
 * A live transcription session over any LLM-prompted family: every chunk of new
 * audio the recording so far is decoded again, with
 * the text committed so far as the start of the model's answer (after the first
 * chunks), and all but the last few tokens of the answer become committed text,
 * which only ever grows. `finish()` decodes what is left and commits everything.
 * The shape is antirez/qwen-asr's push API (feed / finish), the algorithm QwenLM's
 * streaming with the bounds of the family's `LiveDefaults`.
 */
import type { Tensor } from "../../engine/mlx";
import type { LiveDefaults } from "../../families/family";
import type { TranscriptSegment } from "../../formats/transcript";
import { MODEL_SAMPLE_RATE } from "../../audio/load";
import { releaseMemory } from "../../runtime";
import type { LlmPromptedRecognizer } from "../recognizers/llm-prompted";
import type { Timings, TranscriptionResult } from "../transcriber";
import { StreamingTextDecoder } from "../tokenizer";
import { AnswerText } from "./answer-text";
import { continueAnswer } from "./continuation";
import { EncoderWindows } from "./encoder-windows";
import { PromptPrefixCache } from "./prompt-prefix-cache";
import { LiveSession, type LiveChunkStats, type LiveSessionOptions, type PassExtent } from "./live-session";

export interface PromptedLiveSessionOptions extends LiveSessionOptions {
  readonly settings: LiveDefaults;
}

/** The meta text before a marker (a language tag) is a few tokens; beyond this many, there is none. */
const META_TOKENS_MOST = 32;

/** A moment of the recording up to which text was committed. */
interface CommitMark {
  readonly seconds: number;
  readonly text: string;
}

export class PromptedLiveSession extends LiveSession {
  private readonly windows: EncoderWindows;
  private readonly text: AnswerText;
  /** The model's whole answer so far (meta text and transcript), as tokens. */
  private answer: number[] = [];
  /** Chunks taken in by passes so far. */
  private chunksDone = 0;
  private passes = 0;
  private readonly timings: Timings = { audioMs: 0, frontendMs: 0, encoderMs: 0, prefillMs: 0, decodeMs: 0, totalMs: 0, tokens: 0, tokensPerSecond: 0, realTimeFactor: 0 };
  private readonly marks: CommitMark[] = [];
  private readonly prefixCache = new PromptPrefixCache();

  constructor(
    private readonly recognizer: LlmPromptedRecognizer,
    protected override readonly options: PromptedLiveSessionOptions,
  ) {
    super(options, options.settings.chunkSeconds);
    const { settings } = options;
    const embed = (samples: Tensor) => this.recognizer.embed(samples, this.recording.source, this.timings);
    this.windows = new EncoderWindows(this.recording, embed, Math.round(settings.encoderWindowSeconds * MODEL_SAMPLE_RATE), settings.contextWindows);
    this.text = new AnswerText(recognizer.text.tokenizer, recognizer.recipe.streamAfter?.(options.request) ?? null);
  }

  get committed(): string {
    return this.text.text;
  }

  /**
   * The answer's tokens up to which text is settled: all but the last
   * `rollbackTokens` (all but the last one when the transcript is shorter than that,
   * so that text still advances), never fewer than committed, never ending inside a
   * character.
   */
  private settledLength(answer: readonly number[]): number {
    const floor = this.text.tokenCount;
    const meta = this.metaLength(answer);
    let settled = answer.length - this.options.settings.rollbackTokens;
    if (settled <= meta && answer.length > meta) settled = answer.length - 1;
    let end = Math.max(floor, settled);
    const tokenizer = this.recognizer.text.tokenizer;
    // A character is at most 4 bytes and a token at least 1: the last 4 tokens show whether one is cut.
    while (end > floor && tokenizer.decode(answer.slice(Math.max(0, end - 4), end)).endsWith("\uFFFD")) end--;
    return end;
  }

  /** The answer's start as the prompt holds it: at most `prefixTokens` of its latest tokens, after its meta text. */
  private promptStart(start: readonly number[]): number[] {
    const most = this.options.settings.prefixTokens;
    const head = this.metaLength(start);
    if (start.length - head <= most) return [...start];
    return [...start.slice(0, head), ...start.slice(start.length - most)];
  }

  /** Tokens of the answer before the family's marker, the marker included (0 without one, or before it came). */
  private metaLength(answer: readonly number[]): number {
    const marker = this.recognizer.recipe.streamAfter?.(this.options.request);
    if (!marker) return 0;
    const decoder = new StreamingTextDecoder(this.recognizer.text.tokenizer);
    let text = "";
    for (let n = 1; n <= Math.min(answer.length, META_TOKENS_MOST); n++) {
      text += decoder.push(answer[n - 1]!);
      if (text.includes(marker)) return n;
    }
    return 0;
  }

  protected async pass({ final, chunks, upTo }: PassExtent): Promise<void> {
    const started = performance.now();
    const { settings, request } = this.options;
    const lastChunk = this.chunksDone + Math.max(chunks, 1) - 1;
    // A last pass with no new audio decodes nothing again: the answer so far is all committed.
    const fresh = upTo > this.decodedUpTo || this.passes === 0;
    const audioMsBefore = this.timings.frontendMs + this.timings.encoderMs;
    const audio = fresh ? this.windows.windowRows(upTo) : null;
    const encoderMs = this.timings.frontendMs + this.timings.encoderMs - audioMsBefore;
    const withStart = lastChunk >= settings.unfixedChunks || final;
    const start = !fresh ? this.answer : withStart ? this.answer.slice(0, this.settledLength(this.answer)) : [];
    const out = audio
      ? await continueAnswer(this.recognizer.text, request, {
          rows: audio.rows,
          completedWindows: audio.completed,
          prefixCache: this.prefixCache,
          answerStart: this.promptStart(start),
          history: start,
          maxTokens: settings.maxNewTokens * Math.max(chunks, 1),
          signal: this.options.signal,
        })
      : { tokens: [], stop: "stop_token" as const, prefillMs: 0, decodeMs: 0, promptPositions: 0, reusedPositions: 0 };
    this.answer = [...start, ...out.tokens];
    const seconds = upTo / MODEL_SAMPLE_RATE;
    const newSeconds = (upTo - this.decodedUpTo) / MODEL_SAMPLE_RATE;
    this.decodedUpTo = upTo;
    this.chunksDone += chunks;
    let added = "";
    if (final) added = this.commitAll();
    else if (lastChunk >= settings.unfixedChunks) added = this.text.commit(this.answer, this.settledLength(this.answer));
    if (added && !final) this.marks.push({ seconds, text: this.text.text });

    const processingMs = performance.now() - started;
    this.timings.prefillMs += out.prefillMs;
    this.timings.decodeMs += out.decodeMs;
    this.timings.tokens += out.tokens.length;
    this.timings.totalMs += processingMs;
    const chunk: LiveChunkStats = {
      index: this.passes++,
      audioSeconds: seconds,
      newSeconds,
      processingMs,
      encoderMs,
      prefillMs: out.prefillMs,
      decodeMs: out.decodeMs,
      promptPositions: out.promptPositions,
      reusedPositions: out.reusedPositions,
      tokens: out.tokens.length,
      realTimeFactor: seconds > 0 ? this.timings.totalMs / 1000 / seconds : 0,
      final,
    };
    this.stats.push(chunk);
    this.options.onUpdate?.({ committed: this.text.text, added, tentative: final ? "" : this.text.tentative(this.answer), chunk });
    await releaseMemory();
  }

  /** Commits the whole answer (the last step); returns the text added. */
  private commitAll(): string {
    const parsed = this.parse().text;
    const added = this.text.finish(this.answer, parsed);
    this.marks.push({ seconds: this.recording.seconds, text: this.text.text });
    return added;
  }

  private parse(): { text: string; language: string | null } {
    const raw = this.recognizer.text.tokenizer.decode(this.answer);
    const recipe = this.recognizer.recipe;
    return recipe.parseOutput?.(raw, this.options.request) ?? { text: raw.trim(), language: null };
  }

  /** One segment per stretch of recording whose text was committed by the time it ended. */
  private segments(): TranscriptSegment[] {
    const segments: TranscriptSegment[] = [];
    let at = 0;
    let said = "";
    for (const mark of this.marks) {
      const text = mark.text.slice(said.length).trim();
      if (text) {
        segments.push({ start: at, end: Math.max(at, mark.seconds), text });
        at = mark.seconds;
      }
      said = mark.text;
    }
    return segments;
  }

  protected result(): TranscriptionResult {
    const { request } = this.options;
    const duration = this.recording.seconds;
    const timings = { ...this.timings };
    timings.tokensPerSecond = timings.decodeMs > 0 ? (timings.tokens / timings.decodeMs) * 1000 : 0;
    timings.realTimeFactor = duration > 0 ? timings.totalMs / 1000 / duration : 0;
    const language = request.language !== "auto" ? request.language : this.parse().language;
    return { text: this.text.text, language, durationSeconds: duration, segments: this.segments(), task: "transcribe", timings, warnings: [...this.options.warnings] };
  }
}
