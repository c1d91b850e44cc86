#!/usr/bin/env bun
/**
 * `mlx-asr <command> …` — the one command line of the project. Each command lives
 * in its own module; this file dispatches and turns errors into one line and an
 * exit status.
 */
import { isAsrError, UsageError } from "../errors";
import { loadFamilyPlugins } from "../families/plugins";
import { exitsExplicitly } from "../runtime";

type CommandModule = { run(argv: string[]): Promise<number | void> };

const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  transcribe: { summary: "transcribe audio files (optionally translate, stream, write subtitles)", load: () => import("./transcribe") },
  translate: { summary: "translate Chinese text to English", load: () => import("./translate") },
  batch: { summary: "transcribe every audio file under a folder, resumably", load: () => import("./batch") },
  quantize: { summary: "write a copy of a model with its decoder quantized to 4 or 8 bits", load: () => import("./quantize/command") },
  download: { summary: "download a family's weights (or a hub repository) without transcribing", load: () => import("./download") },
  models: { summary: "list the model families: hub repositories, sizes, what is cached, what fits", load: () => import("./models/command") },
  inspect: { summary: "write one pipeline stage's tensors to a safetensors file", load: () => import("./inspect/command") },
  convert: { summary: "convert a PyTorch checkpoint (.pt) to safetensors without running its pickle", load: () => import("./convert") },
  serve: { summary: "serve a model over an OpenAI-compatible HTTP API", load: () => import("./serve") },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return ["usage: bun run mlx-asr <command> [options]", "", "commands:", ...lines, "", "Run a command with --help for its options."].join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(`${usage()}\n`);
    return command ? 0 : 2;
  }
  const entry = COMMANDS[command];
  if (!entry) throw new UsageError("UNKNOWN_COMMAND", command, `unknown command; the commands are: ${Object.keys(COMMANDS).join(", ")}`);
  await loadFamilyPlugins();
  const status = await (await entry.load()).run(rest);
  return status ?? 0;
}

export function reportError(e: unknown): number {
  if (isAsrError(e)) {
    process.stderr.write(`mlx-asr: ${e.oneLine()}\n`);
    if (process.env.MLX_ASR_DEBUG && e.stack) process.stderr.write(`${e.stack}\n`);
    return e.exitStatus;
  }
  const message = e instanceof Error ? e.message : String(e);
  process.stderr.write(`mlx-asr: internal error: ${message.split("\n")[0]} (set MLX_ASR_DEBUG=1 for details)\n`);
  if (process.env.MLX_ASR_DEBUG && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  return 1;
}

if (import.meta.main) {
  const end = (status: number) => {
    process.exitCode = status;
    if (exitsExplicitly()) process.exit(status);
  };
  main(process.argv.slice(2)).then(end, (e) => end(reportError(e)));
}
