/**
 * `mlx-asr inspect <stage> --model <dir> (--audio <file>… | --input <file>) [--prompt <json>] [--steps N] --out <file>`
 *
 * Runs the pipeline up to one stage and writes that stage's tensors, so each
 * stage can be compared with the reference on its own.
 */
import { z } from "zod";
import { UsageError, ModelFileError } from "../errors";
import { loadSafetensors, saveSafetensors } from "../engine/safetensors";
import { mx, type Tensor } from "../engine/mlx";
import { parseCommandArgs } from "./args";
import { INSPECT_STAGES, type StageName, type StageValue, stagePath, StageContext } from "../pipeline/stages";

const HELP = `usage: bun run mlx-asr inspect <stage> --model <dir> (--audio <file> [--audio <file> …] | --input <file.safetensors>)
                           [--prompt <prompt.json>] [--steps N] --out <file.safetensors>

stages: ${Object.keys(INSPECT_STAGES).join(", ")}
  --audio   one or more audio files; several form a right-padded batch (leading batch axis + int32 "lengths")
  --input   the stored output of the previous stage (e.g. a "waveform" tensor for the fbank stage)
  --prompt  prompt.json (input_ids, audio_positions) for the logits stage
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
  if (!stage || !(stage in INSPECT_STAGES)) {
    throw new UsageError("BAD_ARGUMENTS", "inspect", `the first argument must be a stage: ${Object.keys(INSPECT_STAGES).join(", ")}`);
  }
  if (positionals.length > 1) throw new UsageError("BAD_ARGUMENTS", "inspect", `unexpected argument "${positionals[1]}"`);
  const hasAudio = (values.audio?.length ?? 0) > 0;
  if (hasAudio === (values.input !== undefined)) {
    throw new UsageError("BAD_ARGUMENTS", "inspect", "give either --audio (one or more) or --input, not both and not neither");
  }
  const target = stage as StageName;
  const ctx = new StageContext(values.model, { promptFile: values.prompt, steps: values.steps ?? 0 });

  let value: StageValue;
  let path: StageName[];
  if (hasAudio) {
    path = stagePath(null, target);
    value = { kind: "audio", files: values.audio! };
  } else {
    const from = INSPECT_STAGES[target].previous;
    if (!from) throw new UsageError("BAD_ARGUMENTS", "inspect --input", `the ${target} stage starts from audio; use --audio`);
    value = readStageInput(values.input!, from);
    path = [target];
  }
  for (const name of path) value = await INSPECT_STAGES[name].run(ctx, value);
  writeStageOutput(values.out, value);
  return 0;
}

/** Reads the stored output of `stage` (its main tensor, plus `lengths` for a batch). */
function readStageInput(file: string, stage: StageName): StageValue {
  const tensors = loadSafetensors(file);
  const name = INSPECT_STAGES[stage].tensor;
  const data = tensors[name];
  if (!data) {
    throw new ModelFileError("INPUT_TENSOR_MISSING", file, `holds no "${name}" tensor (the ${stage} stage's output); it has: ${Object.keys(tensors).join(", ")}`);
  }
  const lengths = tensors.lengths ? (tensors.lengths.tolist() as number[]) : null;
  return { kind: "tensors", stage, data: data.astype(mx.float32), lengths, extra: {}, sources: [file] };
}

function writeStageOutput(file: string, value: StageValue): void {
  if (value.kind !== "tensors") throw new Error("inspect: stage produced no tensors");
  const out: Record<string, Tensor> = { [INSPECT_STAGES[value.stage].tensor]: value.data, ...value.extra };
  if (value.lengths) out.lengths = mx.array(value.lengths, mx.int32);
  saveSafetensors(file, out);
}

