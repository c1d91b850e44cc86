/** `mlx-asr quantize <in> <out> --bits 4|8`: a model folder with its decoder quantized (mlx-community layout). */
import { existsSync, readdirSync } from "node:fs";
import { z } from "zod";
import { UsageError } from "../../errors";
import { ModelParts } from "../../pipeline/model-parts";
import { writeQuantizedModel } from "./write-quantized";
import { parseCommandArgs } from "../args";
import { cliResolveModel } from "../model-option";
import { ProgressLine, renderProgress } from "../progress";

const HELP = `usage: bun run mlx-asr quantize <model> <out-dir> --bits 4|8 [--group-size 64]

Writes <out-dir> in mlx-asr's layout (family.json + components) with the decoder's
matrices quantized to 4 or 8 bits (MLX affine, as mlx-community publishes them);
the audio encoder and adaptor stay float. A bare Qwen3 repo becomes a quantized Qwen3 repo.
`;

const Schema = z.object({
  bits: z.enum(["4", "8"], { error: "must be 4 or 8" }).transform((b) => Number(b) as 4 | 8),
  "group-size": z.coerce.number().int().refine((g) => [32, 64, 128].includes(g), "must be 32, 64 or 128").optional(),
  yes: z.boolean().optional(),
  help: z.boolean().optional(),
});

export async function run(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(HELP);
    return 0;
  }
  const { values, positionals } = parseCommandArgs("quantize", argv, { bits: { type: "string" }, "group-size": { type: "string" }, yes: { type: "boolean", short: "y" }, help: { type: "boolean" } }, Schema);
  const [input, out] = positionals;
  if (!input || !out || positionals.length > 2) throw new UsageError("BAD_ARGUMENTS", "quantize", "give the model and the output folder (see --help)");
  if (existsSync(out) && readdirSync(out).length > 0) throw new UsageError("BAD_ARGUMENTS", out, "exists and is not empty; choose a new output folder");
  const files = await cliResolveModel(input, { yes: values.yes });
  if (!files.family.components.some((c) => c.role === "decoder")) {
    throw new UsageError("NOTHING_TO_QUANTIZE", input, `is a ${files.family.name} model, which has no language model to quantize (its networks stay float)`);
  }
  const line = new ProgressLine(process.stderr);
  const startedAtMs = Date.now();
  await writeQuantizedModel(new ModelParts(files), out, {
    bits: values.bits,
    groupSize: values["group-size"],
    onProgress: (done, total) => line.update(() => renderProgress({ label: `quantizing to ${values.bits} bits`, done, total, unit: "files", startedAtMs, nowMs: Date.now() }).replace("files", "tensors")),
  });
  line.clear();
  process.stdout.write(`${out}\n`);
  return 0;
}
