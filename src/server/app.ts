/**
 * The server as a plain `(Request) => Promise<Response>`: routing, 404/405,
 * the API key, and every failure as an OpenAI error body (internal ones as a
 * single line, never a stack trace).
 */
import { requireApiKey } from "./auth";
import type { ServerContext } from "./context";
import { health, listModels, retrieveModel } from "./info-endpoints";
import { CLIENT_CLOSED_REQUEST, errorResponse, HttpError, toHttpError } from "./openai-error";
import { handleTranscription } from "./transcriptions";
import { handleTranslation } from "./translations";

export type RequestHandler = (request: Request) => Promise<Response>;

type Endpoint = (request: Request, context: ServerContext, pathParameter: string) => Response | Promise<Response>;

interface Route {
  readonly methods: Readonly<Record<string, Endpoint>>;
  /** /health answers without a key, for load balancers and supervisors. */
  readonly public?: boolean;
}

const ROUTES: Readonly<Record<string, Route>> = {
  "/v1/audio/transcriptions": { methods: { POST: handleTranscription } },
  "/v1/audio/translations": { methods: { POST: handleTranslation } },
  "/v1/models": { methods: { GET: (_request, context) => listModels(context) } },
  "/v1/models/:id": { methods: { GET: (_request, context, id) => retrieveModel(id, context) } },
  "/health": { methods: { GET: (_request, context) => health(context) }, public: true },
};

function findRoute(pathname: string): { route: Route; parameter: string } | null {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, "") : pathname;
  const exact = ROUTES[path];
  if (exact) return { route: exact, parameter: "" };
  const model = /^\/v1\/models\/([^/]+)$/.exec(path);
  if (model) return { route: ROUTES["/v1/models/:id"]!, parameter: decodeURIComponent(model[1]!) };
  return null;
}

export interface AppOptions {
  /** Requests must carry `Authorization: Bearer <apiKey>` when set. */
  readonly apiKey?: string;
  /** Told about server-side failures (5xx), e.g. to log them. */
  readonly onInternalError?: (error: unknown, request: Request) => void;
}

export function createApp(context: ServerContext, options: AppOptions = {}): RequestHandler {
  return async (request) => {
    try {
      const url = new URL(request.url);
      const found = findRoute(url.pathname);
      if (!found) throw new HttpError(404, "unknown_url", `Invalid URL (${request.method} ${url.pathname}).`);
      const endpoint = found.route.methods[request.method];
      if (!endpoint) {
        const allowed = Object.keys(found.route.methods).join(", ");
        throw new HttpError(405, "method_not_allowed", `Method ${request.method} is not allowed on ${url.pathname}; use ${allowed}.`, null, { allow: allowed });
      }
      if (options.apiKey !== undefined && !found.route.public) requireApiKey(request, options.apiKey);
      return await endpoint(request, context, found.parameter);
    } catch (e) {
      const error = toHttpError(e);
      if (error.status >= 500 && error.status !== CLIENT_CLOSED_REQUEST) options.onInternalError?.(e, request);
      return errorResponse(error);
    }
  };
}
