/**
 * Containers other than WAV (mp3, flac, ogg, m4a, webm, …) are decoded by the
 * `ffmpeg` program when it is on PATH: it writes a float WAV at the native rate
 * and channel count, which then goes through our own WAV path (downmix and the
 * reference resampler stay ours). Long inputs are read from ffmpeg's pipe as
 * they are decoded, so only a window is in memory at a time.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { AudioError } from "../errors";
import { ByteStreamReader } from "./byte-stream";
import { readWavStreamHeader, wavStreamWindows, type FrameWindow } from "./wav-windows";

/** Magic numbers of containers people pass to an ASR tool, for the error when ffmpeg is missing. */
export function sniffContainer(bytes: Uint8Array): string | null {
  const ascii = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  if (ascii(0, 3) === "ID3" || (bytes[0] === 0xff && ((bytes[1] ?? 0) & 0xe0) === 0xe0)) return "MP3";
  if (ascii(0, 4) === "fLaC") return "FLAC";
  if (ascii(0, 4) === "OggS") return "Ogg";
  if (ascii(4, 8) === "ftyp") return "MP4/M4A";
  if (bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3) return "WebM/Matroska";
  if (ascii(0, 4) === "FORM") return "AIFF";
  if (ascii(0, 4) === "caff") return "CAF";
  return null;
}

export function findFfmpeg(): string | null {
  const override = process.env.MLX_ASR_FFMPEG;
  if (override) return existsSync(override) ? override : null;
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, process.platform === "win32" ? "ffmpeg.exe" : "ffmpeg");
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

/** ffmpeg's arguments: the first audio stream of `input` as float WAV on `output`. */
function ffmpegArguments(input: string, output: string): string[] {
  return ["-nostdin", "-hide_banner", "-loglevel", "error", "-i", input, "-vn", "-map", "0:a:0", "-acodec", "pcm_f32le", "-f", "wav", output];
}

function decodeFailure(file: string, stderr: string, status: number | null): AudioError {
  const lastLine = stderr.trim().split("\n").pop() || `exit status ${status}`;
  return new AudioError("AUDIO_DECODE_FAILED", file, `ffmpeg cannot decode it: ${lastLine}`);
}

/** The whole file decoded at once, as float WAV bytes. */
export function decodeWithFfmpeg(ffmpeg: string, file: string): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), "mlx-asr-ffmpeg-"));
  const out = join(dir, "decoded.wav");
  try {
    const result = spawnSync(ffmpeg, ffmpegArguments(file, out), { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
    if (result.error) throw new AudioError("AUDIO_DECODE_FAILED", file, `ffmpeg could not be run (${result.error.message})`);
    if (result.status !== 0 || !existsSync(out)) throw decodeFailure(file, result.stderr ?? "", result.status);
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Most of ffmpeg's error output kept for the message (its last line says what went wrong). */
const STDERR_KEPT = 64 * 1024;

/**
 * Decodes a file (a path) or a byte stream through ffmpeg's pipe, window by window.
 * Leaving the generator early stops ffmpeg.
 */
export async function* ffmpegWindows(
  ffmpeg: string,
  input: { readonly path: string } | { readonly stream: ByteStreamReader },
  name: string,
  signal?: AbortSignal,
): AsyncGenerator<FrameWindow, void, undefined> {
  const fromStream = "stream" in input;
  const child = spawn(ffmpeg, ffmpegArguments(fromStream ? "pipe:0" : input.path, "pipe:1"), {
    stdio: [fromStream ? "pipe" : "ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (text: string) => {
    stderr = (stderr + text).slice(-STDERR_KEPT);
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once("close", (status) => resolve(status));
    child.once("error", () => resolve(null));
  });
  const spawnError = new Promise<Error | null>((resolve) => {
    child.once("error", (e) => resolve(e));
    child.once("spawn", () => resolve(null));
  });
  if (fromStream) void pump(input.stream, child.stdin!);
  const output = new ByteStreamReader(child.stdout! as AsyncIterable<Uint8Array>);
  try {
    const failedToStart = await spawnError;
    if (failedToStart) throw new AudioError("AUDIO_DECODE_FAILED", name, `ffmpeg could not be run (${failedToStart.message})`);
    if ((await output.peek(12)).length === 0) throw decodeFailure(name, stderr, await exited);
    const format = await readWavStreamHeader(output, name);
    yield* wavStreamWindows(output, format, name, signal);
    const status = await exited;
    if (status !== 0) throw decodeFailure(name, stderr, status);
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
    await output.close();
  }
}

/** Feeds a byte stream into ffmpeg's stdin, waiting whenever the pipe is full; stops when ffmpeg stops reading. */
async function pump(source: ByteStreamReader, sink: NodeJS.WritableStream): Promise<void> {
  let open = true;
  const closed = () => (open = false);
  sink.on("error", closed);
  sink.on("close", closed);
  try {
    for await (const chunk of source.remaining()) {
      if (!open) break;
      if (!sink.write(chunk)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            sink.off("drain", done);
            sink.off("close", done);
            sink.off("error", done);
            resolve();
          };
          sink.on("drain", done);
          sink.on("close", done);
          sink.on("error", done);
        });
      }
    }
  } catch {
    // The source failed; ffmpeg sees its input end and reports what it got.
  } finally {
    if (open) sink.end();
  }
}
