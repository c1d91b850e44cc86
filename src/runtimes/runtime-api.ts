/** What mlx-asr needs from its JavaScript runtime; one implementation per runtime (bun.ts, deno.ts). */

export type Engine = typeof import("@frost-beta/mlx");

export interface ServeOptions {
  readonly hostname: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Share the port with other servers (SO_REUSEPORT). */
  readonly reusePort: boolean;
  /** Seconds an idle keep-alive connection is kept, where the runtime has the setting. */
  readonly idleTimeoutSeconds: number;
  readonly handler: (request: Request) => Response | Promise<Response>;
  /** The response to an error the handler threw. */
  readonly onError: (error: unknown) => Response;
}

export interface ServingHttp {
  readonly url: URL;
  readonly port: number;
  stop(): Promise<void>;
}

export interface Runtime {
  readonly name: "bun" | "deno" | "other";
  /** Forces a full garbage collection where the runtime allows it. */
  collectGarbage(): void;
  /** Collects the young generation only (where the runtime has one), at a fraction of a full collection's cost. */
  collectYoungGarbage(): void;
  /** Sets a variable in the process's C environment (where native libraries read it). */
  setNativeEnvironment(name: string, value: string): void;
  /** Loads a shared library whose symbols serve libraries loaded later; `probe` is one symbol it exports. */
  preloadSharedLibrary(path: string, probe: string): void;
  /** glibc's mallopt(3): sets one parameter of the C heap; returns 1 on success, 0 when glibc refuses. */
  mallopt(parameter: number, value: number): number;
  /** glibc's malloc_trim(0): returns the C heap's free pages to the system. */
  mallocTrim(): void;
  /** The tensor engine's module (a Node-API addon). */
  loadEngine(): Engine;
  /** Listens; a port in use throws an error whose `code` is EADDRINUSE. */
  serve(options: ServeOptions): ServingHttp;
  /** A module worker running `url`. */
  startWorker(url: URL): Worker;
  /** Ends a worker started by startWorker (or leaves it to end with the process, see exitsExplicitly). */
  stopWorker(worker: Worker): void;
  /** Whether a command line must end the process itself when its command is done. */
  readonly exitsExplicitly: boolean;
}

/** The URL of a server listening on hostname:port. */
export function serverUrl(hostname: string, port: number): URL {
  return new URL(`http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}/`);
}
