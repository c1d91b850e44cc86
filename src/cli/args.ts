/**
 * Command-line arguments: node's parseArgs for the syntax, zod for the values;
 * every problem is a UsageError naming the option.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import type { z } from "zod";
import { UsageError } from "../errors";

export type OptionSpec = NonNullable<ParseArgsConfig["options"]>;

export interface ParsedArgs<T> {
  readonly values: T;
  readonly positionals: string[];
}

export function parseCommandArgs<S extends z.ZodType>(
  command: string,
  argv: string[],
  options: OptionSpec,
  schema: S,
): ParsedArgs<z.output<S>> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError("BAD_ARGUMENTS", command, (e as Error).message.replace(/\. To specify a positional.*$/, ""));
  }
  const result = schema.safeParse(parsed.values);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const name = issue.path.length ? `--${issue.path.map(String).join(".").replace(/_/g, "-")}` : command;
    const given = issue.path.reduce<unknown>((v, key) => (v as Record<PropertyKey, unknown> | undefined)?.[key as PropertyKey], parsed.values);
    const missing = issue.code === "invalid_type" && given === undefined;
    throw new UsageError("BAD_ARGUMENTS", `${command} ${name}`, missing ? "is required" : issue.message);
  }
  return { values: result.data, positionals: parsed.positionals };
}
