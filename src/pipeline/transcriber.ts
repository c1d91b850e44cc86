/**
 * The public Transcriber: load a model once, then transcribe files or samples,
 * stream text as it is decoded, translate zh → en, and run batches. Calls are
 * queued one at a time (the engine is not thread-safe).
 */
import { openAudioInput, segmentedAudio, type AudioInput } from "../audio/audio-input";
import type { OpenedAudio } from "../audio/audio-stream";
import type { Waveform } from "../audio/load";
import { CancelledError, UsageError } from "../errors";
import type { Transcript, TranscriptSegment, TranscriptWord } from "../formats/transcript";
import { releaseMemory } from "../runtime";
import type { AudioTask, FamilyDefinition } from "../families/family";
import type { SamplingOptions } from "../families/sampling-options";
import { loadModel, type LoadedModel, type ModelLoadOptions } from "./loaded-model";
import { assemblePrompt, type AssembledPrompt } from "./prompt";
import type { TextModel } from "./text-model";
import { streamPieces } from "./piece-stream";
import { SerialQueue } from "./serial-queue";
import { cleanTranscript, exciseHallucinations, joinTexts, removeMetaCommentary, removeRepeatedBlocks, separatorBetween, stripThinkBlock } from "./text";
import { generateText, type GenerationResult } from "./text-generation";
import { TrimmedStream } from "./trimmed-stream";
import { assertFitsInMemory } from "./memory-check";
import { resolveModel, type ResolveModelOptions } from "./resolve-model";
import { LlmPromptedRecognizer } from "./recognizers/llm-prompted";
import type { LiveOptions, LiveSession } from "./live/live-session";
import { liveSettings, rerunLiveSettings } from "./live/live-settings";
import { PromptedLiveSession } from "./live/prompted-live-session";
import { RerunLiveSession } from "./live/rerun-live-session";

export type { AudioInput };

export interface TranscribeOptions {
  /** A language code of the family, or "auto" where the family supports it. */
  readonly language?: string;
  /** Words to favour (families with a hot-word prompt; others warn and ignore them). */
  readonly hotwords?: readonly string[];
  /** "translate": speech → English directly (families that support it). */
  readonly task?: AudioTask;
  /** Longest piece decoded at once; longer audio is cut at quiet points. */
  readonly segmentSeconds?: number;
  /** Refuse longer input. */
  readonly maxSeconds?: number;
  readonly sampling?: Partial<SamplingOptions>;
  /**
   * Receives text pieces as they are decoded. With `cleanup: "stream-safe"` their
   * concatenation is exactly the result's text.
   */
  readonly onToken?: (piece: string) => void;
  /**
   * Which transcript clean-ups the result gets. "full" (the default of
   * `transcribe`): all of them, also those that take text back (think blocks, leaked
   * instructions, hallucination markers, repeated blocks, meta-commentary), so the
   * text may differ from streamed pieces. "stream-safe" (the default of `stream`):
   * only trimming, so streamed pieces add up to the text exactly.
   */
  readonly cleanup?: "full" | "stream-safe";
  readonly signal?: AbortSignal;
}

export interface Timings {
  audioMs: number;
  frontendMs: number;
  encoderMs: number;
  prefillMs: number;
  decodeMs: number;
  totalMs: number;
  tokens: number;
  /** Generated tokens per second of decoding. */
  tokensPerSecond: number;
  /** Processing time ÷ audio duration. */
  realTimeFactor: number;
}

export interface TranscriptionResult extends Transcript {
  readonly timings: Timings;
  /** Things the caller asked for that this model could not honour. */
  readonly warnings: string[];
}

export interface TranslationResult extends TranscriptionResult {
  readonly translation: { readonly language: string; readonly text: string; readonly segments: readonly TranscriptSegment[] };
}

export interface BatchItem {
  readonly path: string;
  readonly result?: TranscriptionResult;
  readonly error?: Error;
}

export interface BatchProgress {
  readonly done: number;
  readonly total: number;
  readonly item: BatchItem;
}

export interface TextOptions {
  readonly maxTokens?: number;
  readonly sampling?: Partial<SamplingOptions>;
  readonly onToken?: (piece: string) => void;
  readonly signal?: AbortSignal;
}

export interface TranscriberOptions extends ModelLoadOptions, ResolveModelOptions {
  /** Refuse (MemoryBudgetError) a model whose weights cannot fit this machine's RAM; default true. */
  readonly checkMemory?: boolean;
}

/** A piece's word times moved to the whole audio's clock (milliseconds kept exact). */
function wordsFrom(words: readonly TranscriptWord[] | undefined, offset: number): { words?: TranscriptWord[] } {
  if (!words) return {};
  const at = (seconds: number) => Math.round((offset + seconds) * 1000) / 1000;
  return { words: words.map((w) => ({ start: at(w.start), end: at(w.end), text: w.text })) };
}

/** A generation's confidence scores as segment fields (absent when it chose no token). */
function confidenceOf(out: { avgLogprob?: number; noSpeechProb?: number }): Pick<TranscriptSegment, "avgLogprob" | "noSpeechProb"> {
  return out.avgLogprob === undefined || out.noSpeechProb === undefined ? {} : { avgLogprob: out.avgLogprob, noSpeechProb: out.noSpeechProb };
}

function emptyTimings(): Timings {
  return { audioMs: 0, frontendMs: 0, encoderMs: 0, prefillMs: 0, decodeMs: 0, totalMs: 0, tokens: 0, tokensPerSecond: 0, realTimeFactor: 0 };
}

export class Transcriber {
  private readonly queue = new SerialQueue();

  private constructor(readonly model: LoadedModel) {}

  /** Loads a model from a folder or a hub id (see README "Models"). */
  static async load(model: string, options: TranscriberOptions = {}): Promise<Transcriber> {
    const files = await resolveModel(model, options);
    if (options.checkMemory !== false) assertFitsInMemory(files, options.quantizeBits);
    return new Transcriber(await loadModel(files, options));
  }

  get family(): FamilyDefinition {
    return this.model.family;
  }

  /** Requests waiting for or holding the engine. */
  get pending(): number {
    return this.queue.size;
  }

  transcribe(input: AudioInput, options: TranscribeOptions = {}): Promise<TranscriptionResult> {
    return this.queue.run(() => this.runTranscription(input, options));
  }

  /**
   * Text pieces as they are decoded (never splitting a character); the generator's
   * return value is the result. Its clean-ups default to "stream-safe", so the
   * pieces concatenate to the result's text.
   */
  stream(input: AudioInput, options: TranscribeOptions = {}): AsyncGenerator<string, TranscriptionResult, undefined> {
    return streamPieces(
      (emit, signal) =>
        this.transcribe(input, {
          cleanup: "stream-safe",
          ...options,
          signal,
          onToken: (piece) => {
            options.onToken?.(piece);
            emit(piece);
          },
        }),
      options.signal,
    );
  }

  /**
   * A live session: `feed` audio as it is recorded, receive the committed and
   * tentative text through `onUpdate`, and `finish()` for the transcript. A family
   * prompting a language model continues its answer with every chunk; a one-pass
   * recognizer that times its words is run again on the audio not committed yet.
   * Its passes share this transcriber's queue with other calls.
   */
  live(options: LiveOptions = {}): LiveSession {
    const recognizer = this.model.recognizer;
    if (!recognizer) throw new UsageError("TEXT_ONLY_MODEL", this.model.files.root, "is a text-only model (no audio encoder); it can translate text but not transcribe");
    const warnings: string[] = [];
    const request = this.checkOptions({ language: options.language, hotwords: options.hotwords }, warnings);
    const session = { request, warnings, onUpdate: options.onUpdate, signal: options.signal, source: options.source, exclusive: <T>(job: () => Promise<T>) => this.queue.run(job) };
    if (recognizer instanceof LlmPromptedRecognizer) {
      return new PromptedLiveSession(recognizer, { ...session, settings: liveSettings(recognizer.recipe, options.settings) });
    }
    if (recognizer.rerunsLive) {
      return new RerunLiveSession(recognizer, { ...session, settings: rerunLiveSettings(recognizer.rerunsLive, options.settings) });
    }
    throw new UsageError("LIVE_UNSUPPORTED", this.family.name, "neither prompts a language model with the audio nor times its words, which live transcription needs");
  }

  /** Chinese transcript, then its English translation (per segment, so subtitles can show both). */
  async transcribeAndTranslate(input: AudioInput, options: TranscribeOptions = {}): Promise<TranslationResult> {
    this.assertTextModel();
    const transcript = await this.transcribe(input, { ...options, task: "transcribe" });
    return this.translateTranscript(transcript, { signal: options.signal });
  }

  /** Adds the English translation of each segment of a transcript (an English transcript is its own translation). */
  translateTranscript(transcript: TranscriptionResult, options: TextOptions = {}): Promise<TranslationResult> {
    if (transcript.language === "en") {
      const segments = transcript.segments.map(({ start, end, text }) => ({ start, end, text }));
      return Promise.resolve({ ...transcript, translation: { language: "en", text: transcript.text, segments } });
    }
    return this.queue.run(async () => {
      const segments: TranscriptSegment[] = [];
      for (const segment of transcript.segments) {
        const out = await this.runTranslation(segment.text, { signal: options.signal });
        segments.push({ start: segment.start, end: segment.end, text: out.text, ...(out.avgLogprob !== undefined && { avgLogprob: out.avgLogprob }) });
      }
      const text = joinTexts(segments.map((s) => s.text));
      const warnings = this.family.supportsAudioTranslation
        ? transcript.warnings
        : [...transcript.warnings, `${this.family.name} does not translate speech: the transcript was translated as text by its language model`];
      return { ...transcript, warnings, translation: { language: "en", text, segments } };
    });
  }

  /** Chinese text → English text. */
  async translate(text: string, options: TextOptions = {}): Promise<string> {
    return (await this.queue.run(() => this.runTranslation(text, options))).text;
  }

  /** A plain chat answer from the model's LLM. */
  async generateText(prompt: string, options: TextOptions = {}): Promise<string> {
    return this.queue.run(async () => {
      const model = this.textModel;
      const assembled = assemblePrompt(model.tokenizer, model.recipe.prompts.chat(prompt));
      const out = await this.generate(assembled, options.maxTokens ?? 512, options);
      return stripThinkBlock(out.text).trim();
    });
  }

  /**
   * Transcribes files one after another; `concurrency` files are opened (their
   * headers checked) ahead while the model works, and each is read as it is
   * transcribed. Failures are reported per item, never thrown.
   */
  async transcribeBatch(
    paths: readonly string[],
    options: TranscribeOptions & { concurrency?: number; onProgress?: (p: BatchProgress) => void } = {},
  ): Promise<BatchItem[]> {
    const ahead = Math.max(1, options.concurrency ?? 2);
    const loads = new Map<number, Promise<Waveform | OpenedAudio | Error>>();
    const startLoad = (i: number) => {
      if (i < paths.length && !loads.has(i)) loads.set(i, openAudioInput(paths[i]!, options.maxSeconds).catch((e: Error) => e));
    };
    const items: BatchItem[] = [];
    for (let i = 0; i < paths.length; i++) {
      if (options.signal?.aborted) throw new CancelledError("CANCELLED", paths[i]!, "batch cancelled before this file");
      for (let j = i; j < i + ahead; j++) startLoad(j);
      const loaded = await loads.get(i)!;
      loads.delete(i);
      let item: BatchItem;
      if (loaded instanceof Error) item = { path: paths[i]!, error: loaded };
      else {
        try {
          item = { path: paths[i]!, result: await this.queue.run(() => this.runTranscription(loaded, options)) };
        } catch (e) {
          if (e instanceof CancelledError) throw e;
          item = { path: paths[i]!, error: e as Error };
        }
      }
      items.push(item);
      options.onProgress?.({ done: i + 1, total: paths.length, item });
    }
    return items;
  }

  private checkOptions(options: TranscribeOptions, warnings: string[]): { task: AudioTask; language: string; hotwords: string[]; context: string } {
    const family = this.family;
    const task = options.task ?? "transcribe";
    if (task === "translate" && !family.supportsAudioTranslation) {
      const detail = this.model.text ? "cannot translate speech directly; use transcribe-and-translate (--translate)" : "cannot translate speech, and has no language model to translate a transcript";
      throw new UsageError("UNSUPPORTED_TASK", family.name, detail);
    }
    const language = options.language ?? "auto";
    const known = Object.keys(family.languages.labels);
    const refusals = family.optionRefusals ?? {};
    if (language !== "auto" && refusals.language) throw new UsageError("UNSUPPORTED_LANGUAGE", `language "${language}"`, `${family.name} ${refusals.language}`);
    if (language !== "auto" && !known.includes(language)) {
      throw new UsageError("UNSUPPORTED_LANGUAGE", `language "${language}"`, `${family.name} supports: ${[...known, "auto"].join(", ")}`);
    }
    const hotwords = (options.hotwords ?? []).map((w) => w.trim()).filter(Boolean);
    if (hotwords.length && !family.supportsHotwords) {
      if (refusals.hotwords) throw new UsageError("UNSUPPORTED_HOTWORDS", "hotwords", `${family.name} ${refusals.hotwords}`);
      warnings.push(`hot words are ignored: ${family.name} has no hot-word prompt`);
      return { task, language, hotwords: [], context: "" };
    }
    return { task, language, hotwords, context: "" };
  }

  private async runTranscription(input: AudioInput | Waveform | OpenedAudio, options: TranscribeOptions): Promise<TranscriptionResult> {
    const recognizer = this.model.recognizer;
    if (!recognizer) throw new UsageError("TEXT_ONLY_MODEL", this.model.files.root, "is a text-only model (no audio encoder); it can translate text but not transcribe");
    const started = performance.now();
    const warnings: string[] = [];
    const request = this.checkOptions(options, warnings);
    const timings = emptyTimings();
    const wave = await segmentedAudio(input, {
      maxSeconds: options.maxSeconds,
      segmentSeconds: options.segmentSeconds ?? this.family.segmentSeconds,
      signal: options.signal,
    });
    const streaming = options.onToken !== undefined;
    const fullCleanup = (options.cleanup ?? "full") === "full";
    /** The last piece streamed, whose end decides the separator before the next segment's text. */
    let emitted = "";
    let reported: string | null = null;
    let generated = false;
    const segments: TranscriptSegment[] = [];
    for await (const piece of wave.segments) {
      if (options.signal?.aborted) throw new CancelledError("CANCELLED", wave.source, "transcription cancelled");
      if (piece.silent) continue;
      let firstPiece = true;
      const trimmed = new TrimmedStream((text) => {
        const separator = firstPiece ? separatorBetween(emitted, text) : "";
        if (separator) options.onToken!(separator);
        firstPiece = false;
        emitted = text;
        options.onToken!(text);
      });
      const out = await recognizer.recognize(piece.samples, wave.source, {
        ...request,
        durationSeconds: piece.end - piece.start,
        sampling: options.sampling,
        signal: options.signal,
        onText: streaming ? (p) => trimmed.push(p) : undefined,
      });
      timings.frontendMs += out.timings.frontendMs;
      timings.encoderMs += out.timings.encoderMs;
      timings.prefillMs += out.timings.prefillMs;
      timings.decodeMs += out.timings.decodeMs;
      timings.tokens += out.tokens.length;
      reported ??= out.language;
      // A verbatim reading (not free generation) keeps its text, so it stays the text its word times belong to.
      const text = fullCleanup && !out.verbatim ? cleanTranscript(out.text) : streaming ? trimmed.text : out.text.trim();
      generated ||= !out.verbatim;
      if (text) segments.push({ start: piece.start, end: piece.end, text, tokens: out.tokens, ...confidenceOf(out), ...wordsFrom(out.words, piece.start) });
      await releaseMemory();
    }
    const language = request.task === "translate" ? "en" : request.language !== "auto" ? request.language : reported;
    let text = joinTexts(segments.map((s) => s.text));
    if (fullCleanup && generated && segments.length > 1) text = removeMetaCommentary(exciseHallucinations(removeRepeatedBlocks(text)));
    timings.audioMs = wave.readMs;
    timings.totalMs = performance.now() - started;
    timings.tokensPerSecond = timings.decodeMs > 0 ? (timings.tokens / timings.decodeMs) * 1000 : 0;
    timings.realTimeFactor = wave.durationSeconds > 0 ? timings.totalMs / 1000 / wave.durationSeconds : 0;
    return {
      text,
      language,
      durationSeconds: wave.durationSeconds,
      segments,
      task: request.task,
      timings,
      warnings,
    };
  }

  /** Refuses, before any work, text jobs (translation, `generateText`) of a model without a language model. */
  assertTextModel(): void {
    void this.textModel;
  }

  /** The language model, or a usage error for families without one. */
  private get textModel(): TextModel {
    const text = this.model.text;
    if (!text) throw new UsageError("NO_LANGUAGE_MODEL", this.family.name, "has no language model, so it cannot translate or generate text");
    return text;
  }

  private async runTranslation(text: string, options: TextOptions): Promise<GenerationResult> {
    const model = this.textModel;
    const prompt = assemblePrompt(model.tokenizer, model.recipe.prompts.translation(text));
    const inputTokens = model.tokenizer.encode(text).length;
    const maxTokens = options.maxTokens ?? Math.max(model.recipe.generation.maxTranslationTokens, 2 * inputTokens);
    const out = await this.generate(prompt, maxTokens, options);
    return { ...out, text: stripThinkBlock(out.text).trim() };
  }

  private generate(prompt: AssembledPrompt, maxTokens: number, options: TextOptions): Promise<GenerationResult> {
    const model = this.textModel;
    return generateText(model, {
      prompt,
      maxTokens,
      sampling: { ...model.recipe.generation.sampling, ...options.sampling },
      repetitionGuard: model.recipe.generation.repetitionGuard,
      signal: options.signal,
      onText: options.onToken,
    });
  }
}
