/**
 * The app handler bound to a host and port (through the runtime's server).
 */
import { PortInUseError } from "../errors";
import { serveHttp } from "../runtime";
import type { RequestHandler } from "./app";
import { errorResponse, toHttpError } from "./openai-error";

export interface HttpServer {
  /** e.g. http://127.0.0.1:8080/ */
  readonly url: URL;
  readonly port: number;
  /** Stops listening and closes every connection (requests in flight see their signal abort). */
  stop(): Promise<void>;
}

export interface HttpServerOptions {
  readonly hostname: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly handler: RequestHandler;
  /**
   * Share the port with other servers that ask for the same (SO_REUSEPORT; the kernel
   * splits connections between them). Off by default: a port in use is an error.
   */
  readonly reusePort?: boolean;
}

/** Seconds an idle keep-alive connection is kept; requests being handled have no limit (a long transcription sends nothing for a while). */
const IDLE_CONNECTION_SECONDS = 30;

/** Starts listening; a port another program holds is a PortInUseError. */
export function startHttpServer(options: HttpServerOptions): HttpServer {
  try {
    return serve(options);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EADDRINUSE") throw e;
    throw new PortInUseError(
      "PORT_IN_USE",
      `${options.hostname}:${options.port}`,
      "is already in use by another program (another mlx-asr serve?); choose another --port, or add --reuse-port to both servers to share it on purpose",
    );
  }
}

function serve(options: HttpServerOptions): HttpServer {
  return serveHttp({
    hostname: options.hostname,
    port: options.port,
    reusePort: options.reusePort ?? false,
    idleTimeoutSeconds: IDLE_CONNECTION_SECONDS,
    handler: options.handler,
    onError: (e) => errorResponse(toHttpError(e)),
  });
}
