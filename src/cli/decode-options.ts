/** Options shared by `transcribe` and `batch`: model, language, prompt extras, decoding, output format. */
import { z } from "zod";
import { allFamilies } from "../families/registry";
import { OUTPUT_FORMATS, type OutputFormat } from "../formats/transcript";
import type { TranscribeOptions } from "../pipeline/transcriber";
import type { OptionSpec } from "./args";

export const DECODE_OPTION_SPEC: OptionSpec = {
  model: { type: "string", short: "m" },
  language: { type: "string", short: "l" },
  hotwords: { type: "string", multiple: true },
  translate: { type: "boolean" },
  task: { type: "string" },
  format: { type: "string", short: "f" },
  output: { type: "string", short: "o" },
  quantize: { type: "string" },
  "max-seconds": { type: "string" },
  "segment-seconds": { type: "string" },
  temperature: { type: "string" },
  seed: { type: "string" },
  yes: { type: "boolean", short: "y" },
  help: { type: "boolean", short: "h" },
};

/** Each family's language codes, for the help text. */
function familyLanguages(): string {
  return allFamilies()
    .map((f) => `                                          ${f.name}: ${Object.keys(f.languages.labels).join(", ")}`)
    .join("\n");
}

export const DECODE_OPTION_HELP = `  --model, -m <folder|org/name|family[:variant]>
                                        model to use (default: funasr-qwen4b: ./models/funasr-qwen4b, else its
                                        weights from the hub, fetched on first use; see \`mlx-asr models\`)
  --language, -l <code>                 language of the audio, or auto (the default); the model's family takes:
${familyLanguages()}
  --hotwords <w1,w2,…>                  words to favour (families with a hot-word or context prompt; others warn)
  --translate                           also translate the Chinese transcript to English (prints both)
  --task transcribe|translate           translate = speech → English in one pass (FunASR-Qwen4B)
  --format, -f txt|json|verbose_json|srt|vtt   output format (default txt)
  --output, -o <dir>                    write one result file per input into <dir> (names never shared)
  --quantize 4|8                        quantize the decoder while loading (saves memory; slower on CPU)
  --max-seconds <s>                     refuse longer audio (default 14400)
  --segment-seconds <s>                 longest piece decoded at once, at least 2 (default: the family's, 30)
  --temperature <t>, --seed <n>         sample instead of greedy decoding
  --yes, -y                             download missing weights without asking (also MLX_ASR_ASSUME_YES=1)
`;

/**
 * Shortest piece the segmenter is asked for. It cuts in the second half of the allowed
 * length and keeps the last piece at least 1 s long; below 2 s both cannot hold, and
 * pieces shorter than a couple of words give the model nothing to recognise.
 */
export const MIN_SEGMENT_SECONDS = 2;

const positive = (name: string) => z.coerce.number({ error: `must be a number` }).positive(`must be positive`).describe(name);

export const DecodeOptionsSchema = z.object({
  model: z.string().min(1).optional(),
  language: z.string().min(1).optional(),
  hotwords: z.array(z.string()).optional(),
  translate: z.boolean().optional(),
  task: z.enum(["transcribe", "translate"]).optional(),
  format: z.enum(OUTPUT_FORMATS as unknown as [OutputFormat, ...OutputFormat[]]).default("txt"),
  output: z.string().min(1).optional(),
  quantize: z.enum(["4", "8"]).transform((b) => Number(b) as 4 | 8).optional(),
  "max-seconds": positive("max-seconds").optional(),
  "segment-seconds": z.coerce
    .number({ error: "must be a number" })
    .min(MIN_SEGMENT_SECONDS, `must be at least ${MIN_SEGMENT_SECONDS} s (the last piece of a cut is kept ≥ 1 s, which needs pieces of twice that)`)
    .optional(),
  temperature: z.coerce.number().min(0).optional(),
  seed: z.coerce.number().int().optional(),
  yes: z.boolean().optional(),
  help: z.boolean().optional(),
});
export type DecodeOptionValues = z.output<typeof DecodeOptionsSchema>;

export function transcribeOptions(v: DecodeOptionValues): TranscribeOptions {
  const hotwords = (v.hotwords ?? []).flatMap((w) => w.split(/[,，;\n]/)).map((w) => w.trim()).filter(Boolean);
  return {
    language: v.language,
    hotwords,
    task: v.task,
    maxSeconds: v["max-seconds"],
    segmentSeconds: v["segment-seconds"],
    sampling: v.temperature !== undefined ? { temperature: v.temperature, seed: v.seed } : undefined,
  };
}
