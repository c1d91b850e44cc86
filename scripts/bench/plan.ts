/**
 * The rows of a run, in order, with the weights each needs, whether our side
 * runs it (or why not) and which peers have a counterpart for it. Rows that
 * share a model are adjacent, so each model's weights are generated just before
 * its first row.
 */
import type { FrontendMode } from "../../src/audio/features/funasr-frontend";
import { findFamily } from "../../src/families/registry";
import {
  decoderNeeds,
  DECODER_IDS,
  END_TO_END_IDS,
  FAMILY_OF,
  LIVE_IDS,
  PROMPT_TOKENS_BEFORE_AUDIO,
  WEIGHT_KINDS,
  type ComponentId,
  type DecoderId,
  type EndToEndId,
  type WeightKind,
} from "./models";
import type { BenchOptions, RowFilter, RowName } from "./options";
import { END_TO_END_TOKENS, LIVE_AUDIO_SECONDS, type BenchTask, type PromptShape } from "./tasks";

/**
 * The peers: transformers' own model classes on PyTorch 2.13; our lean PyTorch
 * loops (scripts/peer/*.py) on the same PyTorch 2.13; the same loops on Debian's
 * PyTorch 1.13 (the old peer, a column of its own when installed).
 */
export const PEER_IDS = ["transformers", "torch", "torch_old"] as const;
export type PeerId = (typeof PEER_IDS)[number];

export interface PlannedRow {
  readonly name: RowName;
  readonly model: string;
  readonly weights: string;
  readonly task: BenchTask;
  readonly needs: readonly ComponentId[];
  /** Null when our side runs the row; otherwise why it does not (yet). */
  readonly oursSkipped: string | null;
  /** The peers that run the same task on the same weights. */
  readonly peers: readonly PeerId[];
  /** `--profile`: a per-op profile task that follows the row. */
  readonly profile?: BenchTask;
}

const FULL_TOKENS = 32;
const FULL_TOKENS_QUANTIZED_4B = 16;
const SMALL_TOKENS = 4;
/** `--small`: the end-to-end rows decode this many tokens instead of 100, to keep the run short. */
const SMALL_END_TO_END_TOKENS = 20;
/** `--small`: the live rows feed this much audio instead of 60 s. */
const SMALL_LIVE_SECONDS = 20;
const ALL_PEERS: readonly PeerId[] = PEER_IDS;

export function decodeTokenCount(options: BenchOptions, model: DecoderId, weights: WeightKind): number {
  if (options.tokens) return options.tokens;
  if (options.small) return SMALL_TOKENS;
  return model === "qwen3-4b" && weights !== "float32" ? FULL_TOKENS_QUANTIZED_4B : FULL_TOKENS;
}

function matches(row: PlannedRow, filters: readonly RowFilter[] | null): boolean {
  if (!filters) return true;
  return filters.some((f) => f.name === row.name && (!f.model || f.model === row.model) && (!f.weights || f.weights === row.weights));
}

/** The weights an end-to-end row reads. */
const END_TO_END_NEEDS: Readonly<Record<EndToEndId, readonly ComponentId[]>> = {
  "funasr-qwen4b": ["sensevoice-encoder", "qwen4b-adaptor", "qwen3-4b"],
  "fun-asr-nano": ["sensevoice-encoder", "nano-adaptor", "qwen3-0.6b"],
  "qwen3-asr-0.6b": ["qwen3-asr-0.6b"],
  "qwen3-asr-1.7b": ["qwen3-asr-1.7b"],
  "glm-asr-nano": ["glm-asr-nano"],
};

/** The text tokens around the audio of an end-to-end row's prompt: the family's prompt length, split where its audio goes. */
export function promptShapeOf(id: EndToEndId): PromptShape {
  const family = findFamily(FAMILY_OF[id]);
  if (family?.recipe.kind !== "llm-prompted") throw new Error(`family "${FAMILY_OF[id]}" of ${id} is not a registered LLM-prompted family`);
  const before = PROMPT_TOKENS_BEFORE_AUDIO[id];
  const after = family.recipe.prompts.audioPromptTokens - before;
  if (after < 0) throw new Error(`${id}: ${before} prompt tokens before the audio, but the family's prompt has ${family.recipe.prompts.audioPromptTokens}`);
  return { before, after };
}

export function planRows(options: BenchOptions): PlannedRow[] {
  const rows: PlannedRow[] = [];
  for (const mode of ["funasr", "ominix"] as FrontendMode[]) {
    rows.push({ name: "frontend", model: mode, weights: "none", task: { kind: "frontend", mode }, needs: [], oursSkipped: null, peers: [] });
  }
  rows.push({
    name: "encoder_adaptor",
    model: "sensevoice-small+qwen4b-adaptor",
    weights: "float32",
    task: { kind: "encoder_adaptor" },
    needs: ["sensevoice-encoder", "qwen4b-adaptor"],
    oursSkipped: null,
    peers: ALL_PEERS,
  });
  for (const model of DECODER_IDS) {
    rows.push({ name: "prefill", model, weights: "float32", task: { kind: "prefill", model }, needs: [model], oursSkipped: null, peers: ALL_PEERS });
    for (const weights of WEIGHT_KINDS) {
      const tokens = decodeTokenCount(options, model, weights);
      rows.push({
        name: "decode",
        model,
        weights,
        task: { kind: "decode", model, weights, tokens },
        needs: decoderNeeds(model, weights),
        oursSkipped: null,
        peers: weights === "float32" ? ALL_PEERS : [],
        profile: options.profile ? { kind: "decode_profile", model, weights, tokens } : undefined,
      });
    }
  }
  const tokens = options.small ? SMALL_END_TO_END_TOKENS : END_TO_END_TOKENS;
  for (const model of END_TO_END_IDS) {
    const prompt = promptShapeOf(model);
    const needs = END_TO_END_NEEDS[model];
    rows.push({
      name: "end_to_end",
      model,
      weights: "float32",
      task: { kind: "end_to_end", model, tokens, prompt },
      needs,
      oursSkipped: null,
      peers: model === "funasr-qwen4b" ? ALL_PEERS : ["transformers"],
    });
    rows.push({ name: "first_token", model, weights: "float32", task: { kind: "first_token", model, prompt }, needs, oursSkipped: null, peers: ["transformers"] });
  }
  const seconds = options.small ? SMALL_LIVE_SECONDS : LIVE_AUDIO_SECONDS;
  for (const model of LIVE_IDS) {
    rows.push({ name: "live", model, weights: "float32", task: { kind: "live", model, seconds }, needs: [], oursSkipped: null, peers: [] });
  }
  return rows.filter((r) => matches(r, options.only));
}

/** The models a row name can be narrowed to with `--only name/model`. */
export function modelsOfRow(name: RowName): readonly string[] {
  switch (name) {
    case "frontend":
      return ["funasr", "ominix"];
    case "encoder_adaptor":
      return ["sensevoice-small+qwen4b-adaptor"];
    case "end_to_end":
    case "first_token":
      return END_TO_END_IDS;
    case "live":
      return LIVE_IDS;
    default:
      return DECODER_IDS;
  }
}
