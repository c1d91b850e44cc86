/**
 * A model family as a composition, declared as data: a feature extractor, its
 * networks (each a NetworkDefinition with the configuration of the release), a
 * recognizer recipe (how audio becomes text: an LLM prompted with the audio rows,
 * or a CTC/CIF head), the release layouts it recognises on disk, and the hub
 * repositories it is published in. Nothing outside a family's own file names it.
 */
import type { FeatureExtractorFactory } from "../audio/features/feature-extractor";
import type { LanguageModelDefinition, NetworkDefinition } from "../nn/network";
import type { CausalLM } from "../nn/parts";
import type { PromptPart } from "./prompts/parts";
import type { SamplingOptions } from "./sampling-options";

/** "transcribe": speech → text in its language; "translate": speech → English directly. */
export type AudioTask = "transcribe" | "translate";

/**
 * The parts a family may have besides its feature extractor; a recognizer recipe says which it uses.
 * "decoder" is a language model; "predictor" turns encoder frames into one embedding per token (CIF);
 * "nar_decoder" turns those embeddings into token logits in one parallel pass (Paraformer's decoder).
 */
export type ComponentRole = "encoder" | "adaptor" | "decoder" | "predictor" | "nar_decoder";

/** Sizes the tiny-model generator may choose (≥ 512 makes a decoder quantizable by the engine). */
export interface TinyOptions {
  readonly decoderWidth: number;
}

/** One network of a family. */
export interface NetworkComponent<C = any, N = unknown> {
  readonly role: ComponentRole;
  /** Its folder in mlx-asr's own layout (`family.json` + one folder per component). */
  readonly folder: string;
  readonly network: NetworkDefinition<C, N>;
  /** The configuration of the release; a checkpoint without a config of ours takes its sizes from the shapes and the rest from here. */
  readonly released: C;
  /** A tiny configuration with the same structure, for tests and the tiny-model generator. */
  tiny(options: TinyOptions): C;
  /**
   * Set on the network whose outputs are token ids: writes tokenizer files that hold
   * the family's special tokens (and fit `config`) into `dir`, for tiny models. In
   * mlx-asr's layout the tokenizer lives in this network's folder.
   */
  writeTinyTokenizer?(dir: string, config: C): void;
}

export interface LanguageModelComponent<C = any> extends NetworkComponent<C, CausalLM> {
  readonly role: "decoder";
  readonly network: LanguageModelDefinition<C, CausalLM>;
  /** `config.json` fields (model_type, architectures) that tell a bare repo of this language model. */
  readonly modelTypes: readonly string[];
  /** Writes tokenizer files that hold the family's special tokens into `dir` (for tiny models). */
  writeTinyTokenizer(dir: string): void;
}

export interface FeatureComponent extends FeatureExtractorFactory {
  /** Its folder in mlx-asr's own layout. */
  readonly folder: string;
}

/** What a transcription asks of a family's prompt. */
export interface AudioPromptRequest {
  readonly task: AudioTask;
  /** A language code the family lists, or "auto" when the caller did not say. */
  readonly language: string;
  readonly hotwords: readonly string[];
  /** Text that conditions the transcript (Qwen3-ASR's context); empty when not given. */
  readonly context?: string;
}

export interface GenerationDefaults {
  /** Most tokens to generate for a piece of audio of this duration. */
  maxAudioTokens(durationSeconds: number, task: AudioTask): number;
  readonly maxTranslationTokens: number;
  readonly sampling: SamplingOptions;
  readonly repetitionGuard: boolean;
}

/** What the model's raw output says, once the family has read it. */
export interface ParsedOutput {
  readonly text: string;
  /** The language the model reports, when it reports one. */
  readonly language: string | null;
}

/**
 * How a live session decodes a growing recording (see src/pipeline/live): every
 * `chunkSeconds` of new audio, the recording so far (at most `contextWindows`
 * encoder windows of `encoderWindowSeconds`; completed windows are encoded once) is
 * decoded again, after the first `unfixedChunks` chunks with the text committed so
 * far (at most `prefixTokens` of it) as the start of the model's answer. The last
 * `rollbackTokens` tokens of each answer stay tentative and are decoded again with
 * the next chunk; at most `maxNewTokens` are generated per chunk.
 */
export interface LiveDefaults {
  readonly chunkSeconds: number;
  readonly encoderWindowSeconds: number;
  readonly contextWindows: number;
  readonly unfixedChunks: number;
  readonly rollbackTokens: number;
  readonly maxNewTokens: number;
  readonly prefixTokens: number;
}

/**
 * How a live session runs a one-pass recognizer (CIF, CTC) on a growing recording:
 * every `chunkSeconds` of new audio it is run again on the audio not committed yet;
 * the words that end more than `settleSeconds` before the end of the audio are
 * committed and their audio let go. A window holding more than `windowSeconds`
 * (a word longer than the margin) commits every word that has ended; one holding
 * twice that commits everything, so the audio kept stays bounded.
 */
export interface RerunLiveDefaults {
  readonly chunkSeconds: number;
  readonly settleSeconds: number;
  readonly windowSeconds: number;
}

/** How an LLM-prompted family turns audio into text: encoder → adaptor rows injected into a prompt → generate. */
export interface LlmPromptedRecipe {
  readonly kind: "llm-prompted";
  readonly prompts: {
    /** Ends where the model's answer begins: a live session appends the text committed so far there. */
    audio(request: AudioPromptRequest): PromptPart[];
    /** zh → en text translation. */
    translation(text: string): PromptPart[];
    /** A plain chat turn for `generateText`. */
    chat(text: string): PromptPart[];
    /** Text tokens of the default audio prompt (everything but the audio rows), for estimates before a tokenizer is at hand. */
    readonly audioPromptTokens: number;
  };
  /** The token written into the audio rows' slots (its embedding is overwritten); null: id 0. */
  readonly audioPlaceholder: string | null;
  /** Token strings that end generation. */
  readonly stopTokens: readonly string[];
  readonly generation: GenerationDefaults;
  /** Reads the raw generated text (e.g. a language tag before the transcript); default: the text as is. */
  parseOutput?(raw: string, request: AudioPromptRequest): ParsedOutput;
  /**
   * The marker after which the output is transcript, when the model writes something
   * else first (Qwen3-ASR's `language X<asr_text>`): streamed text starts after it.
   * Null or absent: the output is transcript from its first token.
   */
  streamAfter?(request: AudioPromptRequest): string | null;
  /** Live transcription tuned for the family; absent: the pipeline's defaults. */
  readonly live?: LiveDefaults;
}

/**
 * How a continuous integrate-and-fire family turns audio into text (Paraformer):
 * encoder → predictor (one acoustic embedding per token, with the frame each token
 * fires at) → a non-autoregressive decoder over all tokens at once → the best token
 * at each position; the fire positions give each token's time.
 */
export interface CifRecipe {
  readonly kind: "cif";
  /** The vocabulary in the tokenizer folder: a JSON list of token strings, the id being the position (FunASR's tokens.json). */
  readonly tokensFile: string;
  /** Ids removed from the best tokens before the text (FunASR: blank, <s>, </s>). */
  readonly droppedIds: readonly number[];
  /** The language of the transcripts (such a model does not detect or take one). */
  readonly language: string;
  /** Seconds of audio per encoder frame, for token times. */
  readonly frameSeconds: number;
  /** Live transcription tuned for the family; absent: the pipeline's defaults. */
  readonly live?: RerunLiveDefaults;
}

export type RecognizerRecipe = LlmPromptedRecipe | CifRecipe;

/**
 * The languages a caller may name (any family also takes "auto": not told). A
 * result's language is the one the caller named, else the one the model reports
 * (when it `detects`), else unknown.
 */
export interface LanguageSupport {
  /** Language code → the label its prompt uses. */
  readonly labels: Readonly<Record<string, string>>;
  /** Whether the model reports the language it heard. */
  readonly detects: boolean;
}

/** A model folder's parts, as a family's release layout (or mlx-asr's own layout) finds them. */
export interface LocatedComponent {
  /** Folder of the component (where its config.json is, when it has one). */
  readonly dir: string;
  readonly files: readonly string[];
  /** Its own config.json (mlx-asr's layout), or null: take the released configuration with sizes from the shapes. */
  readonly configFile: string | null;
  /** A configuration the release layout read (e.g. a nested field of the release's config.json); used when there is no config file. */
  readonly config?: unknown;
  /** Key prefix of its tensors inside `files`; undefined: the network's own prefixes. */
  readonly prefix?: string;
}

export interface LocatedModel extends Partial<Readonly<Record<ComponentRole, LocatedComponent>>> {
  readonly root: string;
  readonly family: FamilyDefinition;
  /** The front end's folder in mlx-asr's layout (config + CMVN), or null for the family's default. */
  readonly frontendDir: string | null;
  /** Where the tokenizer files are. */
  readonly tokenizerDir: string;
}

/** A way a family is released: recognised from the files of a folder. */
export interface ReleaseLayout {
  readonly name: string;
  /** The located parts, or null when the folder is not in this layout (errors name what is missing when it half is). */
  locate(root: string, family: FamilyDefinition): LocatedModel | null;
}

/**
 * What a hub repository may supply: one of the family's networks, its tokenizer,
 * its front end's files (e.g. CMVN statistics; taken only from a source used for
 * another part), or everything.
 */
export type HubPart = ComponentRole | "tokenizer" | "frontend" | "all";

/**
 * A hub repository a family's weights come from. The first run takes, for each
 * part the family needs, the first source (of the chosen variant) that provides
 * the part and whose listing holds its files (weights, for a network).
 */
export interface HubSource {
  /** `org/name`. */
  readonly repo: string;
  readonly provides: readonly HubPart[];
  /**
   * The files of each part, as fnmatch patterns over the repository's listing
   * (`a|b`: the first alternative that matches); a part not named takes `all`'s,
   * else every model file (configs, safetensors, tokenizer files).
   */
  readonly files?: Readonly<Partial<Record<HubPart, readonly string[]>>>;
  /** The variant of the family it is ("4bit", "bf16", "original"…); a source without one serves every variant. */
  readonly variant?: string;
  /** Its variant is the default only on machines with at most this much memory (GiB). */
  readonly defaultUpToGiB?: number;
  /** Sub-folder of the assembled model folder its files are linked into; default the top. */
  readonly folder?: string;
}

/** An `inspect` stage name kept for a family's earlier command lines. */
export interface InspectAlias {
  readonly stage: "adaptor";
  /** Tensor name of the rows written. */
  readonly tensor: string;
  /** Write everything the adaptor computed under `tensor` and the rows the LLM receives under this name. */
  readonly rowsTensor: string;
}

export interface FamilyDefinition {
  readonly name: string;
  readonly title: string;
  readonly languages: LanguageSupport;
  readonly supportsHotwords: boolean;
  readonly supportsAudioTranslation: boolean;
  /** Whether transcripts carry a time for each word (or character); otherwise per segment only. */
  readonly wordTimestamps?: boolean;
  /**
   * Options the family refuses with this reason (completing "<family> …") instead of
   * warning and ignoring them, where honouring them is impossible by design.
   */
  readonly optionRefusals?: { readonly hotwords?: string; readonly language?: string };
  /** Longest audio piece decoded at once (seconds); longer input is segmented. */
  readonly segmentSeconds: number;
  readonly features: FeatureComponent;
  /** Its networks; the recipe names the roles it uses. */
  readonly components: readonly NetworkComponent[];
  readonly recipe: RecognizerRecipe;
  /** Release layouts besides mlx-asr's own, tried in order. */
  readonly releases: readonly ReleaseLayout[];
  readonly hub: readonly HubSource[];
  readonly inspectAliases?: Readonly<Record<string, InspectAlias>>;
}

/** A family whose recipe is known to be of one kind (a built-in family's own type). */
export type FamilyWithRecipe<R extends RecognizerRecipe> = FamilyDefinition & { readonly recipe: R };
