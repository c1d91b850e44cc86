/**
 * From a validated form to engine options: the language checked against the
 * family, `prompt` as hot words where the family has a hot-word prompt (and a
 * warning where it has not), `temperature` as sampling.
 */
import type { AudioTask, FamilyDefinition } from "../families/family";
import type { EngineOptions } from "./engine";
import type { AudioRequestFields } from "./form-fields";
import { HttpError } from "./openai-error";

export interface EngineRequest {
  readonly options: EngineOptions;
  /** What the client asked for that this server does not honour, for the x-mlx-asr-warning header. */
  readonly warnings: readonly string[];
}

/** Hot words are listed with commas (ASCII or Chinese) or one per line. */
export function hotwordsFromPrompt(prompt: string): string[] {
  return prompt
    .split(/[,，、\r\n]+/)
    .map((w) => w.trim())
    .filter(Boolean);
}

export function supportedLanguages(family: FamilyDefinition): string[] {
  return [...Object.keys(family.languages.labels), "auto"];
}

function checkedLanguage(language: string | undefined, family: FamilyDefinition): string | undefined {
  if (language === undefined) return undefined;
  const refusal = family.optionRefusals?.language;
  if (refusal && language !== "auto") throw new HttpError(400, "unsupported_language", `${family.name} ${refusal}; leave language out.`, "language");
  const supported = supportedLanguages(family);
  if (!supported.includes(language)) {
    throw new HttpError(400, "unsupported_language", `Language "${language}" is not supported by ${family.name}; supported: ${supported.join(", ")}.`, "language");
  }
  return language;
}

export function engineRequest(form: AudioRequestFields, family: FamilyDefinition, task: AudioTask, signal: AbortSignal): EngineRequest {
  const warnings: string[] = [];
  const language = checkedLanguage(form.language, family);
  if (form.wordTimestamps && !family.wordTimestamps) {
    throw new HttpError(
      400,
      "unsupported_timestamp_granularity",
      `Word timestamps are not available from ${family.name}: it gives segment timestamps only. Use timestamp_granularities[]=segment with response_format=verbose_json.`,
      "timestamp_granularities[]",
    );
  }
  let hotwords: string[] = [];
  if (form.prompt !== undefined) {
    if (family.supportsHotwords) hotwords = hotwordsFromPrompt(form.prompt);
    else warnings.push(`prompt ignored: ${family.name} has no hot-word prompt`);
  }
  if (form.stream && form.responseFormat !== "json" && form.responseFormat !== "text") {
    warnings.push(`response_format ${form.responseFormat} ignored: a stream sends transcript.text events`);
  }
  return {
    options: { language, hotwords, task, sampling: form.temperature === undefined ? undefined : { temperature: form.temperature }, signal },
    warnings,
  };
}
