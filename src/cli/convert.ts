/** `mlx-asr convert <checkpoint.pt> <out.safetensors>`: a PyTorch checkpoint's tensors as safetensors, read without running its pickle. */
import { existsSync } from "node:fs";
import { z } from "zod";
import { UsageError } from "../errors";
import { convertCheckpoint } from "../engine/pytorch/convert";
import { parseCommandArgs } from "./args";

const HELP = `usage: bun run mlx-asr convert <checkpoint.pt> <out.safetensors> [--key state_dict]

Writes the tensors of a PyTorch checkpoint (torch.save's ZIP format, or the legacy
format of torch < 1.6) to a safetensors file, tensor by tensor. The pickle is parsed,
never run: anything but tensors, storages and plain containers is refused. Nested
values get dotted names (state_dict.encoder.after_norm.weight); --key takes the
object under a key path (e.g. state_dict, model) so names are relative to it.
Floats keep their stored dtype (bf16 stays bf16); float64 becomes float32.
`;

const Schema = z.object({
  key: z.string().min(1, "must not be empty").optional(),
  help: z.boolean().optional(),
});

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("convert", argv, { key: { type: "string", short: "k" }, help: { type: "boolean", short: "h" } }, Schema);
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const [source, out] = positionals;
  if (!source || !out || positionals.length > 2) throw new UsageError("BAD_ARGUMENTS", "convert", "give the checkpoint and the output file (see --help)");
  if (existsSync(out)) throw new UsageError("BAD_ARGUMENTS", out, "exists; choose a new output file");
  const result = convertCheckpoint(source, out, { key: values.key });
  process.stderr.write(`mlx-asr: ${result.tensors} tensors, ${result.dataBytes} bytes\n`);
  process.stdout.write(`${out}\n`);
  return 0;
}
