/** The few Deno APIs mlx-asr calls, typed here (the project's types are Bun's). */

export interface DenoServeOptions {
  readonly hostname: string;
  readonly port: number;
  readonly reusePort: boolean;
  readonly onListen: () => void;
  readonly onError: (error: unknown) => Response | Promise<Response>;
  readonly handler: (request: Request) => Response | Promise<Response>;
}

export interface DenoHttpServer {
  readonly addr: { readonly hostname: string; readonly port: number };
  shutdown(): Promise<void>;
}

export interface DenoDynamicLibrary {
  readonly symbols: Record<string, (...args: never[]) => unknown>;
  close(): void;
}

export interface DenoApi {
  readonly version: { readonly deno: string };
  readonly build: { readonly os: string };
  readonly env: { set(name: string, value: string): void };
  readonly errors: { readonly AddrInUse: new (...args: never[]) => Error };
  serve(options: DenoServeOptions): DenoHttpServer;
  dlopen(path: string, symbols: Record<string, { parameters: string[]; result: string }>): DenoDynamicLibrary;
}

/** Deno's global namespace, when this runs under Deno. */
export const deno: DenoApi | undefined = (globalThis as { Deno?: DenoApi }).Deno;
