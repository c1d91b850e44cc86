/**
 * A finished transcript as the response OpenAI clients expect for each
 * response_format: json and verbose_json as application/json, text, srt and vtt
 * as text/plain.
 */
import { formatSrt } from "../formats/srt";
import { toVerboseJson } from "../formats/json";
import type { Transcript } from "../formats/transcript";
import { formatTxt } from "../formats/txt";
import { formatVtt } from "../formats/vtt";
import type { ResponseFormat } from "./form-fields";

/** The model that served the request; clients may have asked for any name (e.g. whisper-1). */
export const MODEL_HEADER = "openai-model";
/** One header line per request option that was not honoured. */
export const WARNING_HEADER = "x-mlx-asr-warning";

export interface ResponseContext {
  readonly modelId: string;
  readonly warnings: readonly string[];
  /** The sampling temperature, reported per segment in verbose_json. */
  readonly temperature?: number;
  /** verbose_json lists every timed word (`timestamp_granularities[]=word`). */
  readonly words?: boolean;
}

/** Header values must be printable ASCII. */
function headerValue(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, "?");
}

export function responseHeaders(context: ResponseContext, contentType?: string): Headers {
  const headers = new Headers({ [MODEL_HEADER]: headerValue(context.modelId) });
  if (contentType) headers.set("content-type", contentType);
  for (const warning of context.warnings) headers.append(WARNING_HEADER, headerValue(warning));
  return headers;
}

/** OpenAI bills whisper by the second and reports it this way. */
function usage(transcript: Transcript) {
  return { type: "duration" as const, seconds: Math.ceil(transcript.durationSeconds) };
}

const TEXT_PLAIN = "text/plain; charset=utf-8";
const JSON_TYPE = "application/json";

export function transcriptResponse(transcript: Transcript, format: ResponseFormat, context: ResponseContext): Response {
  const text = (body: string) => new Response(body, { headers: responseHeaders(context, TEXT_PLAIN) });
  const json = (body: unknown) => new Response(JSON.stringify(body), { headers: responseHeaders(context, JSON_TYPE) });
  switch (format) {
    case "json":
      return json({ text: transcript.text, usage: usage(transcript) });
    case "verbose_json":
      return json({
        ...toVerboseJson(transcript, { temperature: context.temperature, words: context.words ?? false }),
        usage: usage(transcript),
        ...(context.warnings.length > 0 && { warnings: context.warnings }),
      });
    case "text":
      return text(formatTxt(transcript));
    case "srt":
      return text(formatSrt(transcript));
    case "vtt":
      return text(formatVtt(transcript));
    default: {
      const unknown: never = format;
      throw new Error(`unhandled response format ${String(unknown)}`);
    }
  }
}
