/**
 * Reading JSON configuration files through a zod schema; every failure is a
 * ConfigError that names the file and the field.
 */
import { readFileSync } from "node:fs";
import type { z } from "zod";
import { ConfigError, ModelFileError } from "./errors";

export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ModelFileError("FILE_MISSING", path, code === "ENOENT" ? "file does not exist" : `cannot be read (${code})`);
  }
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

export function readConfig<S extends z.ZodType>(path: string, schema: S): z.output<S> {
  return parseWith(schema, readJsonFile(path), path);
}
