/** Command line of `bun run bench`. */
import { WEIGHT_KINDS } from "./models";
import { modelsOfRow } from "./plan";

export const ROW_NAMES = ["frontend", "encoder_adaptor", "prefill", "decode", "end_to_end", "first_token", "live"] as const;
export type RowName = (typeof ROW_NAMES)[number];

/** `name[/model[/weights]]`, e.g. `decode/qwen3-0.6b/int8`. */
export interface RowFilter {
  readonly name: RowName;
  readonly model?: string;
  readonly weights?: string;
}

export interface BenchOptions {
  readonly json?: string;
  /** Null: every row. */
  readonly only: readonly RowFilter[] | null;
  readonly peer: boolean;
  readonly small: boolean;
  readonly runs?: number;
  /** Decode tokens per timed run (default 32; 16 for the quantized 4B rows; 4 with --small). */
  readonly tokens?: number;
  readonly profile: boolean;
  /** Use (and keep) this weights folder instead of a temporary one. */
  readonly weightsDir?: string;
}

export const USAGE = `bun run bench [--json <file>] [--only <row>[,<row>…]] [--peer] [--small]
                [--runs N] [--tokens N] [--profile] [--weights-dir <dir>]

  --json <file>        also write the results as JSON
  --only <rows>        rows to run: ${ROW_NAMES.join(", ")};
                       narrow with /model/weights, e.g. decode/qwen3-0.6b/int8, prefill/qwen3-4b,
                       end_to_end/qwen3-asr-0.6b, first_token/glm-asr-nano (time to the first
                       token of a 5 s clip), live (Qwen3-ASR-0.6B live mode, 2 s chunks over 60 s)
  --peer               run each row's peers interleaved with ours on the same weights (each pair
                       twice): transformers 5.18 on PyTorch 2.13 (a venv under ~/.cache/mlx-asr,
                       made with pip on first use), our lean PyTorch loops on the same PyTorch,
                       and — if Debian's python3-torch is installed — on PyTorch 1.13 (old)
  --small              cut layers and vocabulary (real widths), 20 end-to-end tokens, 20 s of live
                       audio: a quick check
  --runs N             timed runs per row after the warm-up (default 3; 2 with --small or --peer,
                       where each side runs twice)
  --tokens N           decode tokens per timed run (default 32, 16 for 4B int8/int4; 4 with --small)
  --profile            per-op profile of every decode row (in an extra process per row)
  --weights-dir <dir>  generate the random weights there and keep them for later runs
                       (default: a temporary folder, deleted at the end)`;

function parseFilter(spec: string): RowFilter {
  const [name, model, weights] = spec.split("/");
  if (!ROW_NAMES.includes(name as RowName)) throw new Error(`unknown row "${name}" (rows: ${ROW_NAMES.join(", ")})`);
  const models = modelsOfRow(name as RowName);
  if (model && !models.includes(model)) throw new Error(`unknown model "${model}" for ${name} (${models.join(", ")})`);
  if (weights && !WEIGHT_KINDS.includes(weights as never)) throw new Error(`unknown weights "${weights}" (${WEIGHT_KINDS.join(", ")})`);
  return { name: name as RowName, model, weights };
}

function positiveInteger(flag: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} needs a positive integer, got "${value ?? ""}"`);
  return n;
}

export function parseOptions(argv: readonly string[]): BenchOptions {
  let json: string | undefined;
  let only: RowFilter[] | null = null;
  let peer = false;
  let small = false;
  let runs: number | undefined;
  let tokens: number | undefined;
  let profile = false;
  let weightsDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new Error(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case "--json": json = value(); break;
      case "--only": only = [...(only ?? []), ...value().split(",").filter(Boolean).map(parseFilter)]; break;
      case "--peer": peer = true; break;
      case "--small": small = true; break;
      case "--runs": runs = positiveInteger(arg, value()); break;
      case "--tokens": tokens = positiveInteger(arg, value()); break;
      case "--profile": profile = true; break;
      case "--weights-dir": weightsDir = value(); break;
      case "--help": case "-h": throw new Error(USAGE);
      default: throw new Error(`unknown option "${arg}"\n\n${USAGE}`);
    }
  }
  return { json, only, peer, small, runs, tokens, profile, weightsDir };
}
