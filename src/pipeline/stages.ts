/**
 * The pipeline as named stages, each turning the previous stage's output into
 * its own. `inspect` runs a chain of them; the Transcriber runs the same code
 * paths through its own, fused entry points.
 */
import { join } from "node:path";
import { AudioFrontend } from "../audio/frontend";
import { loadAudio } from "../audio/load";
import { padBatch, unpadBatch } from "../engine/batch";
import { mx, type Tensor } from "../engine/mlx";

export type StageName = "waveform" | "fbank" | "features";

export type StageValue =
  | { readonly kind: "audio"; readonly files: string[] }
  | {
      readonly kind: "tensors";
      readonly stage: StageName;
      /** Unbatched: the single item (waveform/fbank/features have no batch axis). Batched: `[B, Tmax, ...]`. */
      readonly data: Tensor;
      /** Valid length of each batch row; null for a single unbatched item. */
      readonly lengths: number[] | null;
      /** Further tensors written next to the main one. */
      readonly extra: Record<string, Tensor>;
      /** Where each item came from (audio file or input file), for error messages. */
      readonly sources: string[];
    };

export interface StageOptions {
  readonly promptFile?: string;
  readonly steps: number;
}

/** Loads the parts of a model directory lazily, as the stages need them. */
export class StageContext {
  private frontendInstance?: AudioFrontend;

  constructor(
    readonly modelDir: string,
    readonly options: StageOptions,
  ) {}

  get frontend(): AudioFrontend {
    this.frontendInstance ??= AudioFrontend.load(join(this.modelDir, "frontend"));
    return this.frontendInstance;
  }
}

interface StageDefinition {
  /** The stage whose output this one consumes (null: audio files). */
  readonly previous: StageName | null;
  /** Name of the main tensor in the stage's output file. */
  readonly tensor: string;
  run(ctx: StageContext, input: StageValue): Promise<StageValue>;
}

type TensorValue = Extract<StageValue, { kind: "tensors" }>;

function items(value: TensorValue): Tensor[] {
  return value.lengths ? unpadBatch({ data: value.data, lengths: value.lengths }) : [value.data];
}

function fromItems(stage: StageName, list: Tensor[], batched: boolean, sources: string[]): TensorValue {
  if (!batched) return { kind: "tensors", stage, data: list[0]!, lengths: null, extra: {}, sources };
  const { data, lengths } = padBatch(list);
  return { kind: "tensors", stage, data, lengths, extra: {}, sources };
}

function expectTensors(value: StageValue): TensorValue {
  if (value.kind !== "tensors") throw new Error("stage input must be tensors");
  return value;
}

export const INSPECT_STAGES: Record<StageName, StageDefinition> = {
  waveform: {
    previous: null,
    tensor: "waveform",
    async run(_ctx, input) {
      if (input.kind !== "audio") throw new Error("waveform stage reads audio files");
      const waves = input.files.map((file) => loadAudio(file).samples);
      return fromItems("waveform", waves, input.files.length > 1, input.files);
    },
  },
  fbank: {
    previous: "waveform",
    tensor: "fbank",
    async run(ctx, input) {
      const value = expectTensors(input);
      const out = items(value).map((wave, i) => ctx.frontend.fbank(wave, value.sources[i] ?? value.sources[0]));
      mx.eval(...out);
      return fromItems("fbank", out, value.lengths !== null, value.sources);
    },
  },
  features: {
    previous: "fbank",
    tensor: "features",
    async run(ctx, input) {
      const value = expectTensors(input);
      const out = items(value).map((fbank) => ctx.frontend.features(fbank));
      mx.eval(...out);
      return fromItems("features", out, value.lengths !== null, value.sources);
    },
  },
};

/** The stages to run, in order, to get from `from`'s output (null: audio) to `target`. */
export function stagePath(from: StageName | null, target: StageName): StageName[] {
  const path: StageName[] = [];
  let stage: StageName | null = target;
  while (stage !== from) {
    if (stage === null) throw new Error(`no path from ${from} to ${target}`);
    path.unshift(stage);
    stage = INSPECT_STAGES[stage].previous;
  }
  return path;
}
