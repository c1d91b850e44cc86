/**
 * `mlx-asr inspect <stage> --model <dir> (--audio <file>… | --input <file>) [--prompt <json>] [--steps N] --out <file>`
 *
 * Runs the pipeline up to one stage and writes that stage's tensors, so each
 * stage can be compared with the reference on its own. The stages are the
 * model's: its family's feature extractor and recipe decide them.
 */
import { z } from "zod";
import { ModelFileError, UsageError } from "../../errors";
import { loadSafetensors, saveSafetensors } from "../../engine/safetensors";
import { mx, type Tensor } from "../../engine/mlx";
import { allFamilies } from "../../families/registry";
import { ModelParts } from "../../pipeline/model-parts";
import { parseCommandArgs } from "../args";
import { cliResolveModel } from "../model-option";
import { findAlias, modelStages, stagePath, type StageDefinition } from "./stages";
import type { StageValue } from "./stage-value";

const HELP = `usage: bun run mlx-asr inspect <stage> --model <dir> (--audio <file> [--audio <file> …] | --input <file.safetensors>)
                           [--prompt <prompt.json>] [--steps N] --out <file.safetensors>

stages (the model's family decides which it has):
  waveform, features                every family (FunASR front ends also: fbank, the Kaldi fbank before LFR)
  encoder, adaptor, logits          LLM-prompted families
  encoder, predictor, logits        CIF families (Paraformer): the logits stage reads encoder_out and acoustic_embeds from one --input file
  nano_adaptor                      Fun-ASR-Nano's adaptor: every frame, and the LLM's rows as nano_adaptor_out_llm
  --audio   one or more audio files; several form a right-padded batch (leading batch axis + int32 "lengths")
  --input   the stored output of the previous stage (e.g. a "waveform" tensor for the fbank stage)
  --prompt  prompt.json (input_ids, audio_positions or audio_span, position_ids when not 0..L-1) for the logits stage
  --steps   with logits: also decode N tokens greedily with the KV cache
`;

const Options = z.object({
  model: z.string().min(1, "is required"),
  audio: z.array(z.string()).optional(),
  input: z.string().optional(),
  prompt: z.string().optional(),
  steps: z.coerce.number().int().min(0).optional(),
  out: z.string().min(1, "is required"),
  help: z.boolean().optional(),
});

export async function run(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(HELP);
    return 0;
  }
  const { values, positionals } = parseCommandArgs(
    "inspect",
    argv,
    {
      model: { type: "string" },
      audio: { type: "string", multiple: true },
      input: { type: "string" },
      prompt: { type: "string" },
      steps: { type: "string" },
      out: { type: "string" },
      help: { type: "boolean" },
    },
    Options,
  );
  const stage = positionals[0];
  if (!stage) throw new UsageError("BAD_ARGUMENTS", "inspect", "the first argument must be a stage (see --help)");
  if (positionals.length > 1) throw new UsageError("BAD_ARGUMENTS", "inspect", `unexpected argument "${positionals[1]}"`);
  const hasAudio = (values.audio?.length ?? 0) > 0;
  if (hasAudio === (values.input !== undefined)) {
    throw new UsageError("BAD_ARGUMENTS", "inspect", "give either --audio (one or more) or --input, not both and not neither");
  }
  const aliased = findAlias(stage, allFamilies());
  const parts = new ModelParts(await cliResolveModel(values.model, { family: aliased?.family.name }));
  const alias = aliased && aliased.family === parts.family ? aliased.alias : null;
  const stages = modelStages(parts, { promptFile: values.prompt, steps: values.steps ?? 0 }, alias);
  const target = alias ? alias.stage : stage;
  const definition = stages.find((s) => s.name === target);
  if (!definition || (aliased && !alias)) {
    throw new UsageError("BAD_ARGUMENTS", "inspect", `"${stage}" is not a stage of ${parts.family.name}; its stages: ${stages.map((s) => s.name).join(", ")}`);
  }

  let value: StageValue;
  let path: StageDefinition[];
  if (hasAudio) {
    path = stagePath(stages, null, target);
    value = { kind: "audio", files: values.audio! };
  } else {
    const from = definition.previous;
    if (!from) throw new UsageError("BAD_ARGUMENTS", "inspect --input", `the ${target} stage starts from audio; use --audio`);
    value = definition.readInput ? definition.readInput(values.input!) : readStageInput(values.input!, stages.find((s) => s.name === from)!);
    path = [definition];
  }
  for (const step of path) value = await step.run(value);
  writeStageOutput(values.out, value, definition.tensor);
  return 0;
}

/** Reads the stored output of `stage` (its main tensor, plus `lengths` for a batch). */
function readStageInput(file: string, stage: StageDefinition): StageValue {
  const tensors = loadSafetensors(file);
  const data = tensors[stage.tensor];
  if (!data) {
    throw new ModelFileError("INPUT_TENSOR_MISSING", file, `holds no "${stage.tensor}" tensor (the ${stage.name} stage's output); it has: ${Object.keys(tensors).join(", ")}`);
  }
  const lengths = tensors.lengths ? (tensors.lengths.tolist() as number[]) : null;
  // A single item may be stored with a leading batch axis of 1.
  const item = !lengths && data.ndim > stage.itemRank ? data.index(0) : data;
  return { kind: "tensors", stage: stage.name, data: item.astype(mx.float32), batchAxis: false, lengths, extra: {}, sources: [file] };
}

function writeStageOutput(file: string, value: StageValue, tensor: string): void {
  if (value.kind !== "tensors") throw new Error("inspect: stage produced no tensors");
  const out: Record<string, Tensor> = { [tensor]: value.data, ...value.extra };
  if (value.lengths) out.lengths = mx.array(value.lengths, mx.int32);
  saveSafetensors(file, out);
}
