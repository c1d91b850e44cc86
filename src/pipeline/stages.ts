/**
 * The pipeline as named stages, each turning the previous stage's output into
 * its own. `inspect` runs a chain of them from audio or from a stored stage
 * output; the Transcriber calls the same components directly.
 */
import { join } from "node:path";
import { z } from "zod";
import { NanoAdaptor } from "../../adaptor/nano-adaptor";
import { Qwen4bAdaptor } from "../../adaptor/qwen4b-adaptor";
import { AudioFrontend } from "../audio/frontend";
import { loadAudio } from "../audio/load";
import { readConfig } from "../config";
import { UsageError, ConfigError } from "../errors";
import { padBatch, unpadBatch } from "../engine/batch";
import { mx, type Tensor } from "../engine/mlx";
import { Qwen3Decoder } from "../models/qwen3-decoder";
import { SenseVoiceEncoder } from "../models/sensevoice-encoder";
import { greedyTrace } from "./generate";
import { injectAudio, spanOf } from "./injection";

export type StageName = "waveform" | "fbank" | "features" | "encoder" | "adaptor" | "nano_adaptor" | "logits";

export type StageValue =
  | { readonly kind: "audio"; readonly files: string[] }
  | {
      readonly kind: "tensors";
      readonly stage: StageName;
      /**
       * waveform/fbank/features: the single item without a batch axis, or `[B, Tmax, ...]`
       * when batched. Later stages always carry the batch axis (`[1, T, ...]` for one item).
       */
      readonly data: Tensor;
      /** Valid length of each batch row; null for a single item. */
      readonly lengths: number[] | null;
      /** Further tensors written next to the main one. */
      readonly extra: Record<string, Tensor>;
      /** Where each item came from (audio file or input file), for error messages. */
      readonly sources: string[];
    };

type TensorValue = Extract<StageValue, { kind: "tensors" }>;

export const PromptFileSchema = z.object({
  input_ids: z.array(z.number().int().nonnegative()).min(1),
  audio_positions: z.array(z.number().int().nonnegative()).min(1),
});

export interface StageOptions {
  readonly promptFile?: string;
  readonly steps: number;
}

/** Loads the parts of a model directory lazily, as the stages need them. */
export class StageContext {
  private cache = new Map<string, unknown>();

  constructor(
    readonly modelDir: string,
    readonly options: StageOptions,
  ) {}

  private once<T>(key: string, make: () => T): T {
    if (!this.cache.has(key)) this.cache.set(key, make());
    return this.cache.get(key) as T;
  }

  get frontend(): AudioFrontend {
    return this.once("frontend", () => AudioFrontend.load(join(this.modelDir, "frontend")));
  }

  get encoder(): SenseVoiceEncoder {
    return this.once("encoder", () => SenseVoiceEncoder.load(join(this.modelDir, "encoder")));
  }

  get adaptor(): Qwen4bAdaptor {
    return this.once("adaptor", () => Qwen4bAdaptor.load(join(this.modelDir, "adaptor")));
  }

  get nanoAdaptor(): NanoAdaptor {
    return this.once("nano", () => NanoAdaptor.load(join(this.modelDir, "nano_adaptor")));
  }

  decoder(): Promise<Qwen3Decoder> {
    return this.once("decoder", () => Qwen3Decoder.load(join(this.modelDir, "decoder")));
  }
}

interface StageDefinition {
  /** The stage whose output this one consumes (null: audio files). */
  readonly previous: StageName | null;
  /** Name of the main tensor in the stage's output file. */
  readonly tensor: string;
  /** Whether the main tensor always has a batch axis (`[1, …]` for one item). */
  readonly batchAxis: boolean;
  run(ctx: StageContext, input: StageValue): Promise<StageValue>;
}

function expectTensors(value: StageValue): TensorValue {
  if (value.kind !== "tensors") throw new Error("stage input must be tensors");
  return value;
}

/** The items of a value, each without a batch axis and without padding. */
function items(value: TensorValue): Tensor[] {
  if (value.lengths) return unpadBatch({ data: value.data, lengths: value.lengths });
  return [STAGES[value.stage].batchAxis ? value.data.index(0) : value.data];
}

/** A padded batch `[B, Tmax, ...]` of a value (a batch of one for a single item). */
function batchOf(value: TensorValue): { data: Tensor; lengths: number[] | null } {
  if (value.lengths) return { data: value.data, lengths: value.lengths };
  return { data: STAGES[value.stage].batchAxis ? value.data : value.data.reshape([1, ...value.data.shape]), lengths: null };
}

function fromItems(stage: StageName, list: Tensor[], batched: boolean, sources: string[]): TensorValue {
  if (!batched) return { kind: "tensors", stage, data: list[0]!, lengths: null, extra: {}, sources };
  const { data, lengths } = padBatch(list);
  return { kind: "tensors", stage, data, lengths, extra: {}, sources };
}

const STAGES: Record<StageName, StageDefinition> = {
  waveform: {
    previous: null,
    tensor: "waveform",
    batchAxis: false,
    async run(_ctx, input) {
      if (input.kind !== "audio") throw new Error("waveform stage reads audio files");
      const waves = input.files.map((file) => loadAudio(file).samples);
      return fromItems("waveform", waves, input.files.length > 1, input.files);
    },
  },
  fbank: {
    previous: "waveform",
    tensor: "fbank",
    batchAxis: false,
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
    batchAxis: false,
    async run(ctx, input) {
      const value = expectTensors(input);
      const out = items(value).map((fbank) => ctx.frontend.features(fbank));
      mx.eval(...out);
      return fromItems("features", out, value.lengths !== null, value.sources);
    },
  },
  encoder: {
    previous: "features",
    tensor: "encoder_out",
    batchAxis: true,
    async run(ctx, input) {
      const value = expectTensors(input);
      const { data, lengths } = batchOf(value);
      const out = ctx.encoder.forward(data, lengths);
      mx.eval(out);
      return { kind: "tensors", stage: "encoder", data: out, lengths, extra: {}, sources: value.sources };
    },
  },
  adaptor: {
    previous: "encoder",
    tensor: "adaptor_out",
    batchAxis: true,
    async run(ctx, input) {
      const value = expectTensors(input);
      const { data, lengths } = batchOf(value);
      const out = ctx.adaptor.forward(data, lengths);
      mx.eval(out);
      return { kind: "tensors", stage: "adaptor", data: out, lengths, extra: {}, sources: value.sources };
    },
  },
  nano_adaptor: {
    previous: "encoder",
    tensor: "nano_adaptor_out",
    batchAxis: true,
    async run(ctx, input) {
      const value = expectTensors(input);
      const { data, lengths } = batchOf(value);
      const out = ctx.nanoAdaptor.forward(data, lengths);
      const llmFrames = out.llmLengths.map((n, i) => out.frames.index(i, mx.Slice(0, n)));
      const llm = padBatch(llmFrames);
      const extra: Record<string, Tensor> = { nano_adaptor_out_llm: llm.data };
      if (lengths) extra.nano_adaptor_out_llm_lengths = mx.array(llm.lengths, mx.int32);
      mx.eval(out.frames, llm.data);
      return { kind: "tensors", stage: "nano_adaptor", data: out.frames, lengths: lengths ? out.lengths : null, extra, sources: value.sources };
    },
  },
  logits: {
    previous: "adaptor",
    tensor: "prefill_logits",
    batchAxis: true,
    async run(ctx, input) {
      const value = expectTensors(input);
      if (value.lengths && value.lengths.length > 1) {
        throw new UsageError("BAD_ARGUMENTS", "inspect logits", "the logits stage takes one utterance (its prompt.json describes one)");
      }
      const promptFile = ctx.options.promptFile;
      if (!promptFile) throw new UsageError("BAD_ARGUMENTS", "inspect logits --prompt", "is required for the logits stage");
      const prompt = readConfig(promptFile, PromptFileSchema);
      const audio = items(value)[0]!;
      const span = spanOf(prompt.audio_positions, promptFile);
      if (span.end - span.start !== audio.shape[0]) {
        throw new ConfigError(
          "PROMPT_MISMATCH",
          promptFile,
          `has ${span.end - span.start} audio slots but the adaptor gives ${audio.shape[0]} frames`,
        );
      }
      const decoder = await ctx.decoder();
      const embeds = injectAudio(decoder, prompt.input_ids, span, audio);
      const prefill = decoder.forward(embeds, decoder.newCache(), true);
      mx.eval(prefill);
      const extra: Record<string, Tensor> = {};
      if (ctx.options.steps > 0) {
        const trace = await greedyTrace(decoder, embeds, ctx.options.steps);
        extra.step_logits = trace.stepLogits;
        extra.greedy_tokens = mx.array(trace.tokens, mx.int32);
      }
      return { kind: "tensors", stage: "logits", data: prefill, lengths: null, extra, sources: value.sources };
    },
  },
};

export const INSPECT_STAGES: Readonly<Record<StageName, StageDefinition>> = STAGES;

/** The stages to run, in order, to get from `from`'s output (null: audio) to `target`. */
export function stagePath(from: StageName | null, target: StageName): StageName[] {
  const path: StageName[] = [];
  let stage: StageName | null = target;
  while (stage !== from) {
    if (stage === null) throw new Error(`no path from ${from} to ${target}`);
    path.unshift(stage);
    stage = STAGES[stage].previous;
  }
  return path;
}
