/**
 * `mlx-asr serve --model <id|dir|family> [--host H] [--port P] [--reuse-port] [--api-key-env NAME] [--max-upload-mb N] [--queue N] [--yes]`
 *
 * An OpenAI-compatible transcription server for one model; runs until SIGINT or
 * SIGTERM, then stops listening, cancels the work in flight and exits 0. The port
 * is taken before the model loads, so a port in use fails at once.
 */
import { z } from "zod";
import { isAsrError, IoError, UsageError } from "../errors";
import { createApp, type RequestHandler } from "../server/app";
import { servedModelId, type ServerContext } from "../server/context";
import { startHttpServer, type HttpServer } from "../server/http";
import { InferenceQueue } from "../server/inference-queue";
import { errorResponse, HttpError } from "../server/openai-error";
import { WorkerEngine } from "../server/worker-engine";
import { parseCommandArgs } from "./args";
import { cliModelFolder } from "./model-option";

const DEFAULT_MAX_UPLOAD_MB = 100;
const DEFAULT_QUEUE = 8;

const HELP = `usage: bun run mlx-asr serve --model <id|dir|family> [--host 127.0.0.1] [--port 8080] [--reuse-port]
                              [--api-key-env NAME] [--max-upload-mb N] [--queue N] [--yes]

Serves the model over an OpenAI-compatible HTTP API:
  POST /v1/audio/transcriptions   POST /v1/audio/translations
  GET  /v1/models                 GET  /health

  --model          a model folder, a Hugging Face id, or a family name (weights not on this
                   machine are downloaded first, after asking; --yes downloads without asking)
  --host           address to listen on (default 127.0.0.1; 0.0.0.0 exposes the server to the network)
  --port           port (default 8080; 0 picks a free one); a port in use is an error (exit 11)
  --reuse-port     share the port with other servers started with --reuse-port (the kernel
                   splits the connections between them, so give them all the same model)
  --api-key-env    name of an environment variable holding the API key clients must send
                   as "Authorization: Bearer <key>" (default: no key needed)
  --max-upload-mb  largest request body accepted, in MB (default ${DEFAULT_MAX_UPLOAD_MB})
  --queue          requests that may wait behind the one being transcribed (default ${DEFAULT_QUEUE});
                   more are refused with 429 and Retry-After = requests ahead × average time
                   per request. Choose at least the number of clients sending at once, and
                   at most (client timeout ÷ time per request); see README "HTTP server"
  --yes, -y        download missing weights without asking (also MLX_ASR_ASSUME_YES=1)
`;

/**
 * A number given as text. Not z.coerce: its "abc" is an invalid_type issue, which
 * parseCommandArgs reports as a missing option.
 */
function numberOption(pattern: RegExp, message: string) {
  return z.string().regex(pattern, message).transform(Number);
}

const Options = z.object({
  model: z.string().min(1, "must not be empty"),
  host: z.string().min(1, "must not be empty").default("127.0.0.1"),
  port: numberOption(/^\d+$/, "must be a whole number").pipe(z.number().max(65535, "must be 0–65535")).default(8080),
  "api-key-env": z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be the name of an environment variable")
    .optional(),
  "max-upload-mb": numberOption(/^\d*\.?\d+$/, "must be a number").pipe(z.number().positive("must be positive")).default(DEFAULT_MAX_UPLOAD_MB),
  queue: numberOption(/^\d+$/, "must be a whole number (0 or more)").default(DEFAULT_QUEUE),
  yes: z.boolean().optional(),
  "reuse-port": z.boolean().optional(),
  help: z.boolean().optional(),
});

function apiKeyFrom(variable: string | undefined): string | undefined {
  if (variable === undefined) return undefined;
  const key = process.env[variable]?.trim();
  if (!key) throw new UsageError("BAD_ARGUMENTS", "serve --api-key-env", `environment variable ${variable} is not set or empty`);
  return key;
}

function listen(host: string, port: number, reusePort: boolean, handler: RequestHandler): HttpServer {
  try {
    return startHttpServer({ hostname: host, port, reusePort, handler });
  } catch (e) {
    if (isAsrError(e)) throw e;
    throw new IoError("LISTEN_FAILED", `${host}:${port}`, `cannot listen: ${(e as Error).message}`);
  }
}

/** The answer while the model loads (the port is already ours). */
function stillLoading(): Promise<Response> {
  return Promise.resolve(errorResponse(new HttpError(503, "model_loading", "The model is still loading; retry in a moment.", null, { "retry-after": "5" })));
}

function untilStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve(signal);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(HELP);
    return 0;
  }
  const { values, positionals } = parseCommandArgs(
    "serve",
    argv,
    {
      model: { type: "string" },
      host: { type: "string" },
      port: { type: "string" },
      "api-key-env": { type: "string" },
      "max-upload-mb": { type: "string" },
      queue: { type: "string" },
      yes: { type: "boolean", short: "y" },
      "reuse-port": { type: "boolean" },
      help: { type: "boolean" },
    },
    Options,
  );
  if (positionals.length > 0) throw new UsageError("BAD_ARGUMENTS", "serve", `unexpected argument "${positionals[0]}"`);
  const apiKey = apiKeyFrom(values["api-key-env"]);

  let app: RequestHandler | null = null;
  const server = listen(values.host, values.port, values["reuse-port"] ?? false, (request) => (app ? app(request) : stillLoading()));
  let engine: WorkerEngine;
  try {
    // Downloads (and their question) happen here, on the terminal; the engine thread loads the folder.
    const folder = await cliModelFolder(values.model, values.yes);
    process.stderr.write(`mlx-asr serve: loading ${values.model}…\n`);
    engine = await WorkerEngine.start(folder);
  } catch (e) {
    await server.stop();
    throw e;
  }
  const context: ServerContext = {
    engine,
    queue: new InferenceQueue(values.queue),
    modelId: servedModelId(values.model),
    maxUploadBytes: Math.floor(values["max-upload-mb"] * 2 ** 20),
    startedAt: Math.floor(Date.now() / 1000),
  };
  app = createApp(context, {
    apiKey,
    onInternalError: (e, request) => {
      const detail = e instanceof Error ? (process.env.MLX_ASR_DEBUG ? e.stack : e.message.split("\n")[0]) : String(e);
      process.stderr.write(`mlx-asr serve: ${request.method} ${new URL(request.url).pathname} failed: ${detail}\n`);
    },
  });
  // Before the announcement: a client acting on it may stop the server at once, and a signal
  // with no handler yet would kill the process (status 143) instead of shutting it down.
  const stopSignal = untilStopSignal();
  const base = server.url.href.replace(/\/$/, "");
  process.stdout.write(`Serving ${context.modelId} (${engine.family.name}) at ${base} — OpenAI base URL ${base}/v1${apiKey ? " (API key required)" : ""}\n`);

  const signal = await stopSignal;
  process.stderr.write(`mlx-asr serve: ${signal}, shutting down\n`);
  await server.stop();
  engine.close();
  return 0;
}
