/**
 * The server under test: a tiny random model generated into a temporary folder,
 * served on a loopback port (port 0) in this process or as `mlx-asr serve` in a
 * child process, plus audio to send it.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { makeTinyModel } from "../../scripts/make-tiny-model";
import { loadAudio } from "../../src/audio/load";
import { toFloat32Array } from "../../src/engine/transfer";
import { createApp, type AppOptions } from "../../src/server/app";
import { servedModelId, type ServerContext } from "../../src/server/context";
import type { SpeechEngine } from "../../src/server/engine";
import { startHttpServer, type HttpServer } from "../../src/server/http";
import { InferenceQueue } from "../../src/server/inference-queue";
import { WorkerEngine } from "../../src/server/worker-engine";
import { ROOT } from "../helpers/cli";
import { encodeWav } from "../helpers/wav";

export const AUDIO_DIR = join(ROOT, "test", "fixtures", "audio");
export const ZH_WAV = join(AUDIO_DIR, "zh_16k.wav");
export const EN_STEREO_WAV = join(AUDIO_DIR, "en_44k1_stereo.wav");

export type FamilyName = "funasr-qwen4b" | "fun-asr-nano";

export interface TinyModel {
  readonly dir: string;
  remove(): void;
}

export async function tinyModel(family: FamilyName): Promise<TinyModel> {
  const root = mkdtempSync(join(tmpdir(), "mlx-asr-server-test-"));
  const dir = await makeTinyModel(join(root, `tiny-${family}`), { family });
  return { dir, remove: () => rmSync(root, { recursive: true, force: true }) };
}

export interface TestServerOptions extends AppOptions {
  readonly queue?: number;
  readonly maxUploadBytes?: number;
  /** Wraps the engine, e.g. to watch what reaches it. */
  readonly wrapEngine?: (engine: WorkerEngine) => SpeechEngine;
}

export interface TestServer {
  /** e.g. http://127.0.0.1:39411 */
  readonly origin: string;
  readonly modelId: string;
  readonly engine: WorkerEngine;
  readonly context: ServerContext;
  /** The official SDK pointed at this server; no retries, so 429s stay visible. */
  client(apiKey?: string): OpenAI;
  stop(): Promise<void>;
}

export async function startTestServer(modelDir: string, options: TestServerOptions = {}): Promise<TestServer> {
  const engine = await WorkerEngine.start(modelDir);
  const context: ServerContext = {
    engine: options.wrapEngine ? options.wrapEngine(engine) : engine,
    queue: new InferenceQueue(options.queue ?? 8),
    modelId: servedModelId(modelDir),
    maxUploadBytes: options.maxUploadBytes ?? 100 * 2 ** 20,
    startedAt: Math.floor(Date.now() / 1000),
  };
  const server: HttpServer = startHttpServer({ hostname: "127.0.0.1", port: 0, handler: createApp(context, options) });
  const origin = server.url.origin;
  return {
    origin,
    modelId: context.modelId,
    engine,
    context,
    client: (apiKey = "unused") => new OpenAI({ baseURL: `${origin}/v1`, apiKey, maxRetries: 0 }),
    stop: async () => {
      await server.stop();
      engine.close();
    },
  };
}

/** `mlx-asr serve` as a user starts it, in its own process (so its RSS is the server's alone). */
export interface ServeProcess {
  readonly pid: number;
  readonly origin: string;
  /** The SDK with `apiKey` (any value when the server has no key). */
  client(apiKey?: string): OpenAI;
  /** SIGTERM, then the exit status. */
  terminate(): Promise<number>;
}

export async function spawnServe(args: string[], env: Record<string, string> = {}): Promise<ServeProcess> {
  const child = Bun.spawn(["bun", join(ROOT, "src/cli/main.ts"), "serve", "--port", "0", ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdout: "pipe",
    stderr: "inherit",
  });
  const reader = child.stdout.getReader();
  let printed = "";
  while (!/http:\/\/\S+/.test(printed)) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`mlx-asr serve exited before printing its URL (status ${await child.exited})`);
    printed += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  const origin = /(http:\/\/[^\s/]+)/.exec(printed)![1]!;
  return {
    pid: child.pid,
    origin,
    client: (apiKey = "unused") => new OpenAI({ baseURL: `${origin}/v1`, apiKey, maxRetries: 0 }),
    terminate: async () => {
      child.kill("SIGTERM");
      return child.exited;
    },
  };
}

/** A fixture file as the SDK uploads it. */
export function audioFile(path: string, name = path.split("/").pop()!): File {
  return new File([readFileSync(path)], name, { type: "audio/wav" });
}

/** `seconds` of real speech: the Chinese fixture repeated, as 16-bit 16 kHz WAV bytes. */
export function longSpeechWav(seconds: number): Uint8Array {
  const speech = loadAudio(ZH_WAV);
  const source = toFloat32Array(speech.samples);
  const out = new Array<number>(Math.round(seconds * speech.sampleRate));
  for (let i = 0; i < out.length; i++) out[i] = source[i % source.length]!;
  return encodeWav({ sampleRate: speech.sampleRate, channels: [out], encoding: "pcm", bits: 16 });
}

/** A multipart form as curl -F would send it. */
export function audioForm(file: Blob | null, fields: Record<string, string> = {}, fileName = "speech.wav"): FormData {
  const form = new FormData();
  if (file) form.append("file", file, fileName);
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  return form;
}
