/**
 * The continuous integrate-and-fire recognizer (Paraformer): features → encoder →
 * predictor (how many tokens, where each fires, one embedding per token) → a
 * non-autoregressive decoder over all tokens at once → the best token at each
 * position → the text and a time per word from the fire positions. One pass, no
 * state between calls: a live mode can simply run it again on the growing window.
 */
import { join } from "node:path";
import type { FeatureExtractor } from "../../audio/features/feature-extractor";
import { mx, type Tensor } from "../../engine/mlx";
import { toInt32Array } from "../../engine/transfer";
import { ModelFileError } from "../../errors";
import type { CifRecipe, LocatedModel, RerunLiveDefaults } from "../../families/family";
import type { TranscriptWord } from "../../formats/transcript";
import type { AudioEncoder, ParallelDecoder, TokenFiring, TokenPredictor } from "../../nn/parts";
import { cifTokenTimes } from "../cif-timestamps";
import type { ModelParts } from "../model-parts";
import { charTokenText, charTokenWords } from "../text/char-token-sentence";
import { DEFAULT_RERUN_LIVE } from "../live/live-settings";
import { TokenList } from "../token-list";
import { expectFiniteOutput } from "../weights-health";
import type { RecognitionRequest, RecognizedPiece, Recognizer } from "./recognizer";

/** What one utterance came to, before the text. */
export interface CifDecoding {
  readonly firing: TokenFiring;
  /** The best token at each position. */
  readonly best: readonly number[];
}

export class CifRecognizer implements Recognizer {
  constructor(
    readonly features: FeatureExtractor,
    readonly encoder: AudioEncoder,
    readonly predictor: TokenPredictor,
    readonly decoder: ParallelDecoder,
    readonly tokens: TokenList,
    readonly recipe: CifRecipe,
    /** The model's files, named when a part turns out to hold corrupt weights. */
    readonly files: LocatedModel,
  ) {}

  get rerunsLive(): RerunLiveDefaults {
    return this.recipe.live ?? DEFAULT_RERUN_LIVE;
  }

  static async load(parts: ModelParts, recipe: CifRecipe): Promise<CifRecognizer> {
    const tokens = TokenList.load(join(parts.files.tokenizerDir, recipe.tokensFile));
    const decoder = await parts.network<ParallelDecoder>("nar_decoder");
    if (tokens.size !== decoder.vocabSize) {
      throw new ModelFileError("TOKENIZER_INVALID", tokens.source, `holds ${tokens.size} tokens but the decoder scores ${decoder.vocabSize}`);
    }
    return new CifRecognizer(parts.features(), await parts.network<AudioEncoder>("encoder"), await parts.network<TokenPredictor>("predictor"), decoder, tokens, recipe, parts.files);
  }

  /** Encoder frames `[B, T, D]` → each member's fires and best tokens. */
  decodeFrames(frames: Tensor, lengths: readonly number[]): CifDecoding[] {
    const predicted = this.predictor.predict(frames, lengths);
    const counts = predicted.members.map((m) => m.tokenCount);
    const tokens = Math.max(0, ...counts);
    if (tokens === 0) return predicted.members.map((firing) => ({ firing, best: [] }));
    const logits = this.decoder.decode(predicted.embeddings, counts, frames, lengths);
    const best = mx.argmax(logits, -1).astype(mx.int32);
    mx.eval(best);
    const all = toInt32Array(best);
    return predicted.members.map((firing, b) => ({ firing, best: [...all.subarray(b * tokens, b * tokens + firing.tokenCount)] }));
  }

  /** The transcript of a decoding, with a time for each word (seconds from the start of the piece). */
  transcript(decoding: CifDecoding): { text: string; ids: number[]; words: TranscriptWord[] } {
    const ids = decoding.best.filter((id) => !this.recipe.droppedIds.includes(id));
    const pieces = this.tokens.pieces(ids);
    const times = cifTokenTimes(decoding.firing.peaks, decoding.firing.tailAlphas, pieces.length, this.recipe.frameSeconds);
    const timed = charTokenWords(pieces, times);
    const seconds = (ms: number) => Math.max(0, ms) / 1000;
    const words = timed.times.slice(0, timed.words.length).map(([start, end], i) => ({ start: seconds(start), end: seconds(end), text: timed.words[i]! }));
    return { text: charTokenText(pieces), ids, words };
  }

  async recognize(samples: Tensor, source: string, request: RecognitionRequest): Promise<RecognizedPiece> {
    const t0 = performance.now();
    const { features, lengths } = this.features.extract([samples], [source]);
    const t1 = performance.now();
    const encoded = this.encoder.encode(features, lengths);
    mx.eval(encoded.frames);
    expectFiniteOutput(this.files, "encoder", encoded.frames);
    const t2 = performance.now();
    const [decoding] = this.decodeFrames(encoded.frames, encoded.lengths);
    const { text, ids, words } = this.transcript(decoding!);
    const t3 = performance.now();
    request.onText?.(text);
    return {
      text,
      tokens: ids,
      language: this.recipe.language,
      stop: "complete",
      words,
      verbatim: true,
      timings: { frontendMs: t1 - t0, encoderMs: t2 - t1, prefillMs: 0, decodeMs: t3 - t2 },
    };
  }
}
