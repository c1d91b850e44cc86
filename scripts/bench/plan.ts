/**
 * The rows of a run, in order, with the weights each needs and whether PyTorch
 * has a counterpart for it. Rows that share a model are adjacent, so each
 * model's weights are generated just before its first row.
 */
import type { FrontendMode } from "../../src/audio/features/funasr-frontend";
import { DECODER_IDS, WEIGHT_KINDS, type ComponentId, type DecoderId, type WeightKind } from "./models";
import type { BenchOptions, RowFilter, RowName } from "./options";
import { END_TO_END_TOKENS, type BenchTask } from "./tasks";

export interface PlannedRow {
  readonly name: RowName;
  readonly model: string;
  readonly weights: string;
  readonly task: BenchTask;
  readonly needs: readonly ComponentId[];
  /** The peer runs the same task on the same weights. */
  readonly hasPeer: boolean;
  /** `--profile`: a per-op profile task that follows the row. */
  readonly profile?: BenchTask;
}

const FULL_TOKENS = 32;
const FULL_TOKENS_QUANTIZED_4B = 16;
const SMALL_TOKENS = 4;
/** `--small`: the end-to-end row decodes this many tokens instead of 100, to keep the run short. */
const SMALL_END_TO_END_TOKENS = 20;

export function decodeTokenCount(options: BenchOptions, model: DecoderId, weights: WeightKind): number {
  if (options.tokens) return options.tokens;
  if (options.small) return SMALL_TOKENS;
  return model === "qwen3-4b" && weights !== "float32" ? FULL_TOKENS_QUANTIZED_4B : FULL_TOKENS;
}

function matches(row: PlannedRow, filters: readonly RowFilter[] | null): boolean {
  if (!filters) return true;
  return filters.some((f) => f.name === row.name && (!f.model || f.model === row.model) && (!f.weights || f.weights === row.weights));
}

export function planRows(options: BenchOptions): PlannedRow[] {
  const rows: PlannedRow[] = [];
  for (const mode of ["funasr", "ominix"] as FrontendMode[]) {
    rows.push({ name: "frontend", model: mode, weights: "none", task: { kind: "frontend", mode }, needs: [], hasPeer: false });
  }
  rows.push({
    name: "encoder_adaptor",
    model: "sensevoice-small+qwen4b-adaptor",
    weights: "float32",
    task: { kind: "encoder_adaptor" },
    needs: ["sensevoice-encoder", "qwen4b-adaptor"],
    hasPeer: true,
  });
  for (const model of DECODER_IDS) {
    rows.push({ name: "prefill", model, weights: "float32", task: { kind: "prefill", model }, needs: [model], hasPeer: true });
    for (const weights of WEIGHT_KINDS) {
      const tokens = decodeTokenCount(options, model, weights);
      rows.push({
        name: "decode",
        model,
        weights,
        task: { kind: "decode", model, weights, tokens },
        needs: [model],
        hasPeer: weights === "float32",
        profile: options.profile ? { kind: "decode_profile", model, weights, tokens } : undefined,
      });
    }
  }
  rows.push({
    name: "end_to_end",
    model: "funasr-qwen4b",
    weights: "float32",
    task: { kind: "end_to_end", tokens: options.small ? SMALL_END_TO_END_TOKENS : END_TO_END_TOKENS },
    needs: ["sensevoice-encoder", "qwen4b-adaptor", "qwen3-4b"],
    hasPeer: true,
  });
  return rows.filter((r) => matches(r, options.only));
}
