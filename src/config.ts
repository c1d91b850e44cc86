/**
 * Reading JSON (and FunASR's YAML) configuration files through a zod schema;
 * every failure is a ConfigError that names the file and the field.
 */
import { readFileSync, statSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { ConfigError, ModelFileError } from "./errors";

/** Larger than any configuration file; a bigger one is refused before it is read. */
const MAX_CONFIG_BYTES = 4 << 20;

function readText(path: string): string {
  try {
    if (statSync(path).size > MAX_CONFIG_BYTES) throw new ConfigError("CONFIG_TOO_LARGE", path, `is larger than ${MAX_CONFIG_BYTES} bytes; not a configuration file`);
    return readFileSync(path, "utf8");
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new ModelFileError("FILE_MISSING", path, code === "ENOENT" ? "file does not exist" : `cannot be read (${code})`);
  }
}

export function readJsonFile(path: string): unknown {
  const text = readText(path);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ConfigError("CONFIG_INVALID_JSON", path, `is not valid JSON (${(e as Error).message})`);
  }
}

/** Validates `value` against `schema`; `source` names where it came from (file or request). */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, source: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.length ? issue.path.map(String).join(".") : "(root)";
  throw new ConfigError("CONFIG_INVALID", source, `field "${field}": ${issue.message}`);
}

/**
 * A YAML file (FunASR's `config.yaml`) as plain data: the YAML 1.2 core schema (no
 * custom tags, so nothing in the file can name code), aliases bounded.
 */
export function readYamlFile(path: string): unknown {
  const text = readText(path);
  try {
    return parseYaml(text, { schema: "core", maxAliasCount: 100, prettyErrors: false, logLevel: "error" });
  } catch (e) {
    throw new ConfigError("CONFIG_INVALID_YAML", path, `is not valid YAML (${(e as Error).message.split("\n")[0]})`);
  }
}

export function readConfig<S extends z.ZodType>(path: string, schema: S): z.output<S> {
  return parseWith(schema, readJsonFile(path), path);
}
