/** `mlx-asr translate <text…>`: Chinese text → English with the model's LLM (`-` reads stdin). */
import { z } from "zod";
import { UsageError } from "../errors";
import { readStdinText } from "../runtime";
import { parseCommandArgs } from "./args";
import { loadTranscriber } from "./model-option";

const HELP = `usage: bun run mlx-asr translate <text…|-> [--model <folder|org/name|family>] [--max-tokens N] [--yes]

Translates Chinese text to English with the model's Qwen3 (a bare Qwen3 repo such as
mlx-community/Qwen3-4B-4bit works too). "-" reads the text from standard input.
`;

const Schema = z.object({
  model: z.string().min(1).optional(),
  "max-tokens": z.coerce.number().int().positive().optional(),
  quantize: z.enum(["4", "8"]).transform((b) => Number(b) as 4 | 8).optional(),
  yes: z.boolean().optional(),
  help: z.boolean().optional(),
});

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    "translate",
    argv,
    { model: { type: "string", short: "m" }, "max-tokens": { type: "string" }, quantize: { type: "string" }, yes: { type: "boolean", short: "y" }, help: { type: "boolean", short: "h" } },
    Schema,
  );
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const text = positionals.length === 1 && positionals[0] === "-" ? await readStdinText() : positionals.join(" ");
  if (!text.trim()) throw new UsageError("BAD_ARGUMENTS", "translate", "give the text to translate (or - to read standard input)");
  const transcriber = await loadTranscriber(values);
  const english = await transcriber.translate(text.trim(), { maxTokens: values["max-tokens"] });
  process.stdout.write(`${english}\n`);
  return 0;
}
