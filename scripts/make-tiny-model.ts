/**
 * Writes a tiny model with random weights in mlx-asr's layout (family.json + the
 * family's front-end and component folders), with tokenizer files that hold the
 * family's special tokens, so the whole chain (CLI, API, formats, batch, server)
 * runs without the real weights. Its output text is meaningless.
 *
 *   bun scripts/make-tiny-model.ts <out-dir> [--family <name>] [--seed N] [--decoder-width N]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { CheckpointIndex } from "../src/engine/weights";
import { allFamilies, DEFAULT_FAMILY, familyByName } from "../src/families/registry";
import { plansFor, writeCheckpoint } from "./synthetic/checkpoint";

export { qwen3TokenizerDir } from "../src/families/prompts/chatml";

export interface TinyModelOptions {
  readonly family?: string;
  readonly seed?: number;
  /** Decoder width; ≥ 512 makes the decoder quantizable (the engine's lower bound). */
  readonly decoderWidth?: number;
}

function writeJson(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

export async function makeTinyModel(out: string, options: TinyModelOptions = {}): Promise<string> {
  const family = familyByName(options.family ?? DEFAULT_FAMILY);
  const seed = options.seed ?? 1;
  const decoderWidth = options.decoderWidth ?? 64;
  writeJson(join(out, "family.json"), { format: "mlx-asr", family: family.name });
  writeJson(join(out, family.features.folder, "config.json"), family.features.defaultConfig);
  let offset = 0;
  for (const component of family.components) {
    const dir = join(out, component.folder);
    const config = component.tiny({ decoderWidth });
    const network = component.network;
    const decoder = component.role === "decoder";
    writeJson(join(dir, "config.json"), decoder ? { ...(config as object), torch_dtype: "bfloat16" } : config);
    const prefix = network.prefixes?.(config)[0] ?? "";
    const tensors = network.tensors(config, new CheckpointIndex([], new Map()), join(dir, "config.json"));
    await writeCheckpoint(dir, plansFor(tensors, prefix), { seed: seed + offset++, dtype: decoder ? "bfloat16" : "float32" });
    component.writeTinyTokenizer?.(dir, config);
  }
  return out;
}

const USAGE = `usage: bun scripts/make-tiny-model.ts <out-dir> [--family ${allFamilies()
  .map((f) => f.name)
  .join("|")}] [--seed N] [--decoder-width N]`;

function fail(message: string): never {
  process.stderr.write(`make-tiny-model: ${message} (see --help)\n`);
  process.exit(2);
}

if (import.meta.main) {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: process.argv.slice(2),
      options: { family: { type: "string" }, seed: { type: "string" }, "decoder-width": { type: "string" }, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
    });
  } catch (e) {
    fail((e as Error).message.replace(/\. To specify a positional.*$/, ""));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const out = positionals[0];
  if (!out || positionals.length > 1) fail("give exactly one output folder");
  const number = (name: string, text: unknown) => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isInteger(n) || n <= 0) fail(`--${name}: must be a whole number above 0`);
    return n;
  };
  const family = values.family as string | undefined;
  if (family !== undefined && !allFamilies().some((f) => f.name === family)) fail(`unknown model family "${family}"; known: ${allFamilies().map((f) => f.name).join(", ")}`);
  const decoderWidth = number("decoder-width", values["decoder-width"]);
  if (decoderWidth !== undefined && decoderWidth % 8 !== 0) fail("--decoder-width: must be a positive multiple of 8 (four heads of an even width)");
  await makeTinyModel(out, { family, seed: number("seed", values.seed), decoderWidth });
  console.log(out);
}
