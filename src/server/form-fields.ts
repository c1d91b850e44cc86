/**
 * The form fields of /v1/audio/transcriptions and /v1/audio/translations as
 * OpenAI defines them, validated with zod; every problem is a 400 naming the field.
 */
import { z } from "zod";
import { HttpError } from "./openai-error";

export const RESPONSE_FORMATS = ["json", "text", "srt", "vtt", "verbose_json"] as const;
export type ResponseFormat = (typeof RESPONSE_FORMATS)[number];

export interface AudioRequestForm {
  readonly file: File;
  /** What the client asked for; any name is accepted and served by the loaded model. */
  readonly model?: string;
  readonly language?: string;
  readonly prompt?: string;
  readonly responseFormat: ResponseFormat;
  readonly temperature?: number;
  readonly stream: boolean;
  /** `timestamp_granularities[]` includes "word" (the family decides whether it can). */
  readonly wordTimestamps: boolean;
}

/** The form without the audio (which lives in a temporary file once received). */
export type AudioRequestFields = Omit<AudioRequestForm, "file">;

/** Empty text fields (`-F language=`) mean "not given". */
const optionalText = z
  .string()
  .transform((v) => v.trim() || undefined)
  .optional();

const FieldsSchema = z.object({
  model: optionalText,
  language: optionalText.transform((v) => v?.toLowerCase()),
  prompt: optionalText,
  response_format: optionalText.pipe(z.enum(RESPONSE_FORMATS, { error: `must be one of ${RESPONSE_FORMATS.join(", ")}` }).default("json")),
  temperature: optionalText.transform((v, ctx) => {
    if (v === undefined) return undefined;
    const value = Number(v);
    if (Number.isFinite(value) && value >= 0 && value <= 1) return value;
    ctx.addIssue({ code: "custom", message: "must be a number between 0 and 1" });
    return z.NEVER;
  }),
  timestamp_granularities: z.array(z.enum(["segment", "word"], { error: 'must be "segment" or "word"' })).default([]),
  stream: optionalText.transform((v) => v?.toLowerCase()).pipe(
    z
      .enum(["true", "false"], { error: 'must be "true" or "false"' })
      .transform((v) => v === "true")
      .default(false),
  ),
});

/** Field names as OpenAI clients send them: arrays as `name[]`. */
const ARRAY_FIELDS = new Set(["timestamp_granularities"]);

function textFields(form: FormData): Record<string, string | string[]> {
  const fields: Record<string, string | string[]> = {};
  for (const key of new Set(form.keys())) {
    if (key === "file") continue;
    const name = key.endsWith("[]") ? key.slice(0, -2) : key;
    const values = form.getAll(key);
    if (values.some((v) => typeof v !== "string")) throw new HttpError(400, "invalid_value", `${key} must be a text field, not a file.`, key);
    const texts = values as string[];
    if (ARRAY_FIELDS.has(name)) {
      // Repeated fields and comma-separated lists both count.
      const items = texts.flatMap((t) => t.split(",")).map((t) => t.trim()).filter(Boolean);
      fields[name] = [...((fields[name] as string[] | undefined) ?? []), ...items];
    } else {
      fields[name] = texts[0]!;
    }
  }
  return fields;
}

function uploadedFile(form: FormData): File {
  const file = form.get("file");
  if (file === null) throw new HttpError(400, "missing_file", 'No audio file: send it in the multipart field "file".', "file");
  if (typeof file === "string") throw new HttpError(400, "invalid_file", 'The field "file" must be a file upload, not a text value.', "file");
  // Bun hands a part whose filename it cannot parse over as a Blob without a name.
  if (typeof (file as Partial<File>).name !== "string") return new File([file], "upload", { type: file.type });
  return file;
}

export function parseAudioForm(form: FormData): AudioRequestForm {
  const file = uploadedFile(form);
  const parsed = FieldsSchema.safeParse(textFields(form));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = String(issue.path[0] ?? "form");
    const param = ARRAY_FIELDS.has(field) ? `${field}[]` : field;
    throw new HttpError(400, "invalid_value", `${param} ${issue.message}.`, param);
  }
  const fields = parsed.data;
  return {
    file,
    model: fields.model,
    language: fields.language,
    prompt: fields.prompt,
    responseFormat: fields.response_format,
    temperature: fields.temperature,
    stream: fields.stream,
    wordTimestamps: fields.timestamp_granularities.includes("word"),
  };
}
