/**
 * The default microphone, captured by ffmpeg as 16 kHz mono s16le on a pipe:
 * avfoundation on macOS, PulseAudio then ALSA on Linux. When nothing can be
 * captured the error says what is missing: ffmpeg itself, or a device (with
 * ffmpeg's own last word for each input tried).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { AudioError } from "../../errors";
import { ByteStreamReader } from "../byte-stream";
import { findFfmpeg } from "../ffmpeg";
import { RAW_FORMAT, streamSource, type LiveAudioSource } from "./live-source";

export const MICROPHONE = "microphone";

/** ffmpeg inputs for the default capture device, in the order tried. */
export function captureInputs(platform: NodeJS.Platform): { readonly name: string; readonly args: readonly string[] }[] {
  if (platform === "darwin") return [{ name: "avfoundation", args: ["-f", "avfoundation", "-i", ":default"] }];
  if (platform === "linux") {
    return [
      { name: "pulse", args: ["-f", "pulse", "-i", "default"] },
      { name: "alsa", args: ["-f", "alsa", "-i", "default"] },
    ];
  }
  return [];
}

const STDERR_KEPT = 16 * 1024;

interface Capture {
  readonly child: ChildProcess;
  readonly reader: ByteStreamReader;
}

/** Starts ffmpeg on one input; the capture once its first samples come, else ffmpeg's last error line. */
async function startCapture(ffmpeg: string, input: readonly string[]): Promise<Capture | string> {
  const output = ["-ac", String(RAW_FORMAT.channels), "-ar", String(RAW_FORMAT.sampleRate), "-f", "s16le", "-acodec", "pcm_s16le", "pipe:1"];
  const child = spawn(ffmpeg, ["-nostdin", "-hide_banner", "-loglevel", "error", ...input, ...output], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (text: string) => {
    stderr = (stderr + text).slice(-STDERR_KEPT);
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once("close", (status) => resolve(status));
    child.once("error", () => resolve(null));
  });
  const failedToStart = new Promise<Error | null>((resolve) => {
    child.once("error", (e) => resolve(e));
    child.once("spawn", () => resolve(null));
  });
  const reader = new ByteStreamReader(child.stdout! as AsyncIterable<Uint8Array>);
  const spawnError = await failedToStart;
  if (spawnError) return `ffmpeg could not be run (${spawnError.message})`;
  if ((await reader.peek(1)).length > 0) return { child, reader };
  const status = await exited;
  return stderr.trim().split("\n").pop()?.trim() || `ffmpeg ended with status ${status} before any sample`;
}

/** ffmpeg, when this machine can capture the microphone through it; otherwise an AudioError saying what is missing. */
export function captureProgram(platform: NodeJS.Platform = process.platform): string {
  const ffmpeg = findFfmpeg();
  if (!ffmpeg) {
    throw new AudioError("MIC_NEEDS_FFMPEG", MICROPHONE, "capturing it needs ffmpeg, which is not on PATH; install it (apt-get install ffmpeg / brew install ffmpeg), or pipe audio in with --live -");
  }
  if (captureInputs(platform).length === 0) throw new AudioError("MIC_UNSUPPORTED", MICROPHONE, `capturing it is supported on macOS and Linux, not ${platform}; pipe audio in with --live -`);
  return ffmpeg;
}

/** The default microphone as live audio, or an AudioError saying what is missing. */
export async function openMicrophone(platform: NodeJS.Platform = process.platform): Promise<LiveAudioSource> {
  const ffmpeg = captureProgram(platform);
  const inputs = captureInputs(platform);
  const failures: string[] = [];
  for (const input of inputs) {
    const capture = await startCapture(ffmpeg, input.args);
    if (typeof capture === "string") {
      failures.push(`${input.name}: ${capture}`);
      continue;
    }
    const { child, reader } = capture;
    return streamSource(reader, MICROPHONE, {
      raw: true,
      close: () => {
        if (child.exitCode === null) child.kill("SIGTERM");
      },
    });
  }
  throw new AudioError("MIC_UNAVAILABLE", MICROPHONE, `no capture device could be opened (${failures.join("; ")})`);
}
