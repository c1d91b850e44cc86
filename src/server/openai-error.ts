/**
 * Every failure the server answers, in OpenAI's error shape
 * `{"error":{"message","type","param","code"}}` with a stable `code`.
 */
import { isAsrError, type AsrError, type ErrorKind } from "../errors";

export type OpenAiErrorType = "invalid_request_error" | "rate_limit_error" | "server_error";

export interface OpenAiErrorBody {
  readonly error: { readonly message: string; readonly type: OpenAiErrorType; readonly param: string | null; readonly code: string };
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    /** Stable machine-readable code, e.g. `upload_too_large`. */
    readonly code: string,
    message: string,
    /** The form field at fault, if any. */
    readonly param: string | null = null,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = "HttpError";
  }

  get type(): OpenAiErrorType {
    if (this.status === 429) return "rate_limit_error";
    return this.status >= 500 ? "server_error" : "invalid_request_error";
  }

  toBody(): OpenAiErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** 499: the client closed the connection; nobody reads the answer, but the status shows in logs. */
export const CLIENT_CLOSED_REQUEST = 499;

/** Kinds not listed are server-side failures (500). */
const STATUS_BY_KIND: Readonly<Partial<Record<ErrorKind, number>>> = {
  usage: 400,
  audio: 400,
  cancelled: CLIENT_CLOSED_REQUEST,
  memory_budget: 503,
};

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}

/**
 * Any thrown value as an HttpError. `subjectAliases` renames what the client
 * never saw (the temporary upload path → the uploaded file's name) wherever it
 * appears in the message.
 */
export function toHttpError(e: unknown, subjectAliases: ReadonlyMap<string, string> = new Map()): HttpError {
  if (e instanceof HttpError) return e;
  if (isAsrError(e)) return fromAsrError(e, subjectAliases);
  const first = e instanceof Error ? e.message.split("\n")[0] : String(e);
  return new HttpError(500, "internal_error", `internal error: ${first || "unknown failure"}`);
}

function fromAsrError(e: AsrError, subjectAliases: ReadonlyMap<string, string>): HttpError {
  let message = oneLine(e.subject ? `${e.subject}: ${e.detail}` : e.detail);
  // Tools like ffmpeg repeat the path inside the detail too.
  for (const [hidden, shown] of subjectAliases) message = message.split(hidden).join(shown);
  const param = e.kind === "audio" ? "file" : null;
  return new HttpError(STATUS_BY_KIND[e.kind] ?? 500, e.code.toLowerCase(), message, param);
}

export function errorResponse(error: HttpError): Response {
  return Response.json(error.toBody(), { status: error.status, headers: error.headers });
}
