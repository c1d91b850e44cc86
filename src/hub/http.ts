/**
 * Talking to the Hugging Face hub (or a mirror): the endpoint and token, GETs that
 * follow redirects by hand (so the token only ever goes to the endpoint's own
 * origin), retries of transient failures, and the typed errors for the rest.
 */
import { CancelledError, DownloadError, ModelNotFoundError, UsageError } from "../errors";

export const DEFAULT_ENDPOINT = "https://huggingface.co";
const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [500, 2_000, 5_000, 10_000];
const MAX_REDIRECTS = 10;
const USER_AGENT = "mlx-asr";

/** How to reach the hub; every field has a default from the environment. */
export interface HubAccessOptions {
  /** Default `HF_ENDPOINT`, else https://huggingface.co. */
  endpoint?: string;
  /** Default `HF_TOKEN`. Sent only to the endpoint's own origin, never to the hosts it redirects to. */
  token?: string;
  signal?: AbortSignal;
  /** Waits between attempts after a transient failure (network, HTTP 5xx/429); their count is the number of retries. */
  retryDelaysMs?: readonly number[];
}

export interface HubContext {
  repoId: string;
  endpoint: string;
  token: string | undefined;
  signal: AbortSignal | undefined;
  retryDelaysMs: readonly number[];
}

export function hubContext(repoId: string, options: HubAccessOptions): HubContext {
  return {
    repoId,
    endpoint: parseEndpoint(options.endpoint ?? (process.env.HF_ENDPOINT || DEFAULT_ENDPOINT)),
    token: options.token ?? (process.env.HF_TOKEN || undefined),
    signal: options.signal,
    retryDelaysMs: options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS,
  };
}

/** A failure worth retrying: the network, or the server saying "later". */
export class TransientError extends Error {
  constructor(
    readonly reason: "unreachable" | "interrupted" | "server",
    message: string,
  ) {
    super(message);
  }
}

export function parseEndpoint(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new UsageError("INVALID_ENDPOINT", endpoint, "is not a URL (check HF_ENDPOINT)");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new UsageError("INVALID_ENDPOINT", endpoint, "must be an http(s) URL (check HF_ENDPOINT)");
  return endpoint.replace(/\/+$/, "");
}


/** GET with redirects followed by hand, so the token only ever goes to the endpoint's origin. */
export async function hubGet(url: string, ctx: HubContext, headers: Record<string, string>): Promise<Response> {
  const endpointOrigin = new URL(ctx.endpoint).origin;
  let target = new URL(url);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const sent: Record<string, string> = { "user-agent": USER_AGENT, ...headers };
    if (ctx.token && target.origin === endpointOrigin) sent.authorization = `Bearer ${ctx.token}`;
    let response: Response;
    try {
      response = await fetch(target, { headers: sent, redirect: "manual", signal: ctx.signal });
    } catch (e) {
      throwIfCancelled(ctx);
      throw new TransientError("unreachable", describeNetworkError(e));
    }
    const location = response.headers.get("location");
    if (response.status < 300 || response.status >= 400 || !location) return response;
    discardBody(response);
    target = new URL(location, target);
  }
  throw new DownloadError("DOWNLOAD_TOO_MANY_REDIRECTS", url, `redirected more than ${MAX_REDIRECTS} times`);
}

/** Throws the typed error for a failed response; returns for 2xx (and 416, which the caller handles). */
export function checkStatus(response: Response, subject: string, ctx: HubContext, notFoundCode: string): void {
  const { status } = response;
  if ((status >= 200 && status < 300) || status === 416) return;
  discardBody(response);
  const hubCode = response.headers.get("x-error-code");
  const where = `the hub at ${ctx.endpoint}`;
  // The hub answers 401, not 404, for a repository that does not exist (or is private) when asked without a token.
  if (status === 404 || hubCode === "RepositoryNotFound" || hubCode === "RevisionNotFound") {
    const code = hubCode === "RevisionNotFound" ? "REVISION_NOT_FOUND" : hubCode === "RepositoryNotFound" ? "MODEL_NOT_FOUND" : notFoundCode;
    const advice =
      code === "REVISION_NOT_FOUND"
        ? "check the branch, tag or commit"
        : code === "MODEL_NOT_FOUND" && !ctx.token
          ? "check the name (if the model is private, set HF_TOKEN to an access token that can read it)"
          : "check the name";
    throw new ModelNotFoundError(code, subject, `was not found on ${where} (HTTP ${status}); ${advice}`);
  }
  if (status === 401 || status === 403) {
    const detail =
      hubCode === "GatedRepo"
        ? `is gated: accept its conditions at ${ctx.endpoint}/${ctx.repoId} and set HF_TOKEN to an access token of that account`
        : ctx.token
          ? `${where} refused the access token (HTTP ${status}); check HF_TOKEN and that the token may read this model`
          : `${where} requires authentication (HTTP ${status}); set HF_TOKEN to a Hugging Face access token that can read this model`;
    throw new DownloadError("DOWNLOAD_UNAUTHORIZED", subject, detail);
  }
  if (status === 408 || status === 429 || status >= 500) throw new TransientError("server", `${where} answered HTTP ${status}`);
  throw new DownloadError("DOWNLOAD_HTTP_ERROR", subject, `${where} answered HTTP ${status} ${response.statusText}`.trim());
}

export async function withRetries<T>(ctx: HubContext, subject: string, attempt: () => Promise<T>): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await attempt();
    } catch (e) {
      if (!(e instanceof TransientError)) throw e;
      const delay = ctx.retryDelaysMs[retry];
      if (delay === undefined) throw exhaustedRetries(e, subject, ctx, retry + 1);
      await sleep(delay, ctx);
    }
  }
}

function exhaustedRetries(e: TransientError, subject: string, ctx: HubContext, attempts: number): DownloadError {
  const tries = `${attempts} attempt${attempts === 1 ? "" : "s"}`;
  if (e.reason === "unreachable") {
    return new DownloadError(
      "DOWNLOAD_UNREACHABLE",
      ctx.endpoint,
      `could not be reached (${e.message}; ${tries}); check the network connection, or set HF_ENDPOINT to a mirror`,
    );
  }
  if (e.reason === "server") return new DownloadError("DOWNLOAD_SERVER_ERROR", subject, `${e.message} (${tries}); try again later`);
  return new DownloadError("DOWNLOAD_INTERRUPTED", subject, `the connection kept failing (${e.message}; ${tries}); run the download again to resume`);
}

export function discardBody(response: Response): void {
  response.body?.cancel().catch(() => {});
}

export function bodyFailure(e: unknown, ctx: HubContext): Error {
  throwIfCancelled(ctx);
  return new TransientError("interrupted", describeNetworkError(e));
}

function describeNetworkError(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  return typeof code === "string" ? code : e instanceof Error ? e.message.split("\n")[0]! : String(e);
}

export function throwIfCancelled(ctx: HubContext): void {
  if (ctx.signal?.aborted) {
    throw new CancelledError("DOWNLOAD_CANCELLED", ctx.repoId, "the download was cancelled; run it again to resume where it stopped");
  }
}

/** Waits `ms`, or throws the CancelledError as soon as the download is cancelled. */
function sleep(ms: number, ctx: HubContext): Promise<void> {
  return new Promise<void>((wake, fail) => {
    const onAbort = () => {
      clearTimeout(timer);
      try {
        throwIfCancelled(ctx);
      } catch (e) {
        fail(e);
      }
    };
    const timer = setTimeout(() => {
      ctx.signal?.removeEventListener("abort", onAbort);
      wake();
    }, ms);
    if (ctx.signal?.aborted) onAbort();
    else ctx.signal?.addEventListener("abort", onAbort, { once: true });
  });
}

