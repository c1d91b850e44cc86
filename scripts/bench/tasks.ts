/**
 * What the benchmark's parent process asks a child process to do, and what the
 * child hands back. Tasks and results cross the process boundary as JSON.
 */
import type { FrontendMode } from "../../src/audio/features/funasr-frontend";
import type { ComponentId, DecoderId, EndToEndId, LiveModelId, WeightKind } from "./models";

/** Positions already in the KV cache when decode is timed, and fed through the decoder by the prefill row. */
export const DECODE_CONTEXT = 512;
export const PREFILL_POSITIONS = 512;
export const FRONTEND_AUDIO_SECONDS = 60;
export const ENCODER_AUDIO_SECONDS = 30;
export const END_TO_END_AUDIO_SECONDS = 30;
export const END_TO_END_TOKENS = 100;
export const FIRST_TOKEN_AUDIO_SECONDS = 5;
export const LIVE_AUDIO_SECONDS = 60;

export interface RunSettings {
  readonly weightsDir: string;
  readonly small: boolean;
  /** Timed runs per row (after the warm-up). */
  readonly runs: number;
  /** Where the check files for the peer comparison are written and read. */
  readonly checkDir: string;
}

/**
 * Text tokens of a family's prompt before and after its audio rows. Both sides fill
 * them with the same stand-in ids (scripts/bench/stand-in-prompt.ts, and the peers'
 * copy in scripts/peer/bench_common.py).
 */
export interface PromptShape {
  readonly before: number;
  readonly after: number;
}

export type BenchTask =
  | { readonly kind: "generate"; readonly component: ComponentId }
  | { readonly kind: "machine" }
  | { readonly kind: "frontend"; readonly mode: FrontendMode }
  | { readonly kind: "encoder_adaptor" }
  | { readonly kind: "prefill"; readonly model: DecoderId }
  | { readonly kind: "decode"; readonly model: DecoderId; readonly weights: WeightKind; readonly tokens: number }
  | { readonly kind: "decode_profile"; readonly model: DecoderId; readonly weights: WeightKind; readonly tokens: number }
  | { readonly kind: "end_to_end"; readonly model: EndToEndId; readonly tokens: number; readonly prompt: PromptShape }
  | { readonly kind: "first_token"; readonly model: EndToEndId; readonly prompt: PromptShape }
  | { readonly kind: "live"; readonly model: LiveModelId; readonly seconds: number };

export interface ChildRequest {
  readonly task: BenchTask;
  readonly settings: RunSettings;
  /** JSON file the child writes its result to. */
  readonly resultFile: string;
}

/**
 * One row of the report: name, model, weights, then the row's figures — among
 * them `samples`, the row's time of each timed run (ms per token for decode,
 * seconds otherwise), which the interleaved peer comparison pools.
 */
export interface RowResult {
  readonly name: string;
  readonly model: string;
  readonly weights: string;
  readonly [figure: string]: unknown;
}

export interface MachineFigures {
  readonly read_bandwidth_gb_s: number;
  /** The rate at which the engine's float32 matrix × vector product streams weights. */
  readonly matvec_gb_s: number;
  readonly gemm_gflops: number;
  readonly [figure: string]: unknown;
}

export type ChildResult =
  | { readonly kind: "row"; readonly row: RowResult }
  | { readonly kind: "machine"; readonly machine: MachineFigures; readonly backend: string; readonly peak_rss_bytes: number }
  | { readonly kind: "done"; readonly peak_rss_bytes: number; readonly seconds: number }
  /** The transformers peer's own figures of the machine (PyTorch's GEMM rate). */
  | { readonly kind: "peer_machine"; readonly machine: Readonly<Record<string, unknown>> };
