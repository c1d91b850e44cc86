/**
 * Pooling the interleaved runs of a row. With `--peer` each side runs twice,
 * alternating (ours, peer A, peer B, ours, peer A, peer B), so a burst of load
 * from the machine's other users lands on both sides rather than on one: the
 * medians pool every timed run of both rounds, and each round's ratio is kept
 * too, so the spread between rounds shows how noisy the machine was.
 */
import { statsOf } from "./measure";
import type { RowResult } from "./tasks";

export const ROUNDS_WITH_PEERS = 2;

function numbers(value: unknown): number[] {
  return Array.isArray(value) ? value.filter((v): v is number => typeof v === "number") : [];
}

/** The samples a row is compared by: ms per token for decode, else seconds; ours end to end without the front end (the peers have none). */
export function comparableSamples(row: RowResult): number[] {
  const afterFrontend = numbers(row.samples_after_frontend);
  return afterFrontend.length ? afterFrontend : numbers(row.samples);
}

export interface Pooled {
  readonly median: number;
  readonly min: number;
  readonly samples: readonly number[];
  /** The median of each round's own runs. */
  readonly round_medians: readonly number[];
}

export function pool(rounds: readonly RowResult[], samplesOf: (row: RowResult) => number[] = comparableSamples): Pooled {
  const perRound = rounds.map(samplesOf).filter((s) => s.length > 0);
  const all = perRound.flat();
  if (!all.length) return { median: NaN, min: NaN, samples: [], round_medians: [] };
  const stats = statsOf(all);
  return { median: stats.median, min: stats.min, samples: all, round_medians: perRound.map((s) => statsOf(s).median) };
}

/**
 * One row from several rounds of the same side: the first round's figures, its
 * timing fields replaced by the pooled ones (and the rates derived from them).
 */
export function pooledRow(rounds: readonly RowResult[]): RowResult {
  const first = rounds[0]!;
  if (rounds.length === 1) return first;
  const raw = pool(rounds, (r) => numbers(r.samples));
  const rounds_ = { rounds: rounds.length, round_medians: raw.round_medians, samples: raw.samples };
  if (first.name === "decode") {
    return { ...first, ...rounds_, ms_per_token_median: raw.median, ms_per_token_min: raw.min, tokens_per_s: 1000 / raw.median };
  }
  const pooled: Record<string, unknown> = { ...first, ...rounds_, median_s: raw.median, min_s: raw.min };
  if (typeof first.positions === "number" && first.name === "prefill") pooled.tokens_per_s = first.positions / raw.median;
  if (typeof first.audio_seconds === "number") pooled.rtf = raw.median / first.audio_seconds;
  if (Array.isArray(first.samples_after_frontend)) pooled.samples_after_frontend = rounds.flatMap((r) => numbers(r.samples_after_frontend));
  return pooled as RowResult;
}

export interface PeerComparison {
  readonly label: string;
  readonly median: number;
  readonly min: number;
  readonly round_medians: readonly number[];
  /** Our pooled median ÷ the peer's (below 1: we are faster). */
  readonly ratio: number;
  /** Per round, our median ÷ the peer's median of the same round. */
  readonly round_ratios: readonly number[];
  /** The peer's own row (first round): its classes, split, cross-check. */
  readonly row: RowResult;
}

export function comparePeer(label: string, ours: readonly RowResult[], peer: readonly RowResult[]): PeerComparison {
  const theirs = pool(peer);
  const mine = ours.length ? pool(ours) : null;
  const roundRatios = mine ? mine.round_medians.slice(0, theirs.round_medians.length).map((m, i) => m / theirs.round_medians[i]!) : [];
  return {
    label,
    median: theirs.median,
    min: theirs.min,
    round_medians: theirs.round_medians,
    ratio: mine ? mine.median / theirs.median : NaN,
    round_ratios: roundRatios,
    row: peer[0]!,
  };
}
