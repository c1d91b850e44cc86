/**
 * Upload requests of the HTTP server: the multipart body under a size limit
 * (src/server/multipart-body.ts), the OpenAI form fields (form-fields.ts) and the
 * temporary upload file, which must always be removed.
 */
import { existsSync } from "node:fs";
import { readMultipartForm } from "../../../src/server/multipart-body";
import { parseAudioForm } from "../../../src/server/form-fields";
import { HttpError } from "../../../src/server/openai-error";
import { saveUpload } from "../../../src/server/temp-upload";
import type { Seed } from "../mutate";
import type { FuzzTarget } from "../target";

const BOUNDARY = "----mlxAsrFuzzBoundary7MA4YWxk";
const LIMIT_BYTES = 1 << 20;

function wavBytes(): Uint8Array {
  const bytes = new Uint8Array(44 + 64);
  const v = new DataView(bytes.buffer);
  const put = (at: number, s: string) => [...s].forEach((c, i) => (bytes[at + i] = c.charCodeAt(0)));
  put(0, "RIFF");
  v.setUint32(4, bytes.length - 8, true);
  put(8, "WAVEfmt ");
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true);
  v.setUint16(22, 1, true);
  v.setUint32(24, 16000, true);
  v.setUint32(28, 32000, true);
  v.setUint16(32, 2, true);
  v.setUint16(34, 16, true);
  put(36, "data");
  v.setUint32(40, 64, true);
  return bytes;
}

function body(name: string, fields: [string, string][], file: { field?: string; filename?: string; type?: string } | null, newline = "\r\n"): Seed {
  const parts: (string | Uint8Array)[] = [];
  const hot: [number, number][] = [];
  let length = 0;
  const add = (p: string | Uint8Array, isHot = false) => {
    const n = typeof p === "string" ? new TextEncoder().encode(p).length : p.length;
    if (isHot) hot.push([length, length + n]);
    parts.push(p);
    length += n;
  };
  for (const [key, value] of fields) add(`--${BOUNDARY}${newline}Content-Disposition: form-data; name="${key}"${newline}${newline}${value}${newline}`, true);
  if (file) {
    add(`--${BOUNDARY}${newline}Content-Disposition: form-data; name="${file.field ?? "file"}"; filename="${file.filename ?? "speech.wav"}"${newline}Content-Type: ${file.type ?? "audio/wav"}${newline}${newline}`, true);
    add(wavBytes());
    add(newline);
  }
  add(`--${BOUNDARY}--${newline}`, true);
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    const b = typeof p === "string" ? new TextEncoder().encode(p) : p;
    bytes.set(b, at);
    at += b.length;
  }
  return { name, bytes, hot };
}

export const multipartTarget: FuzzTarget = {
  name: "multipart",
  seeds: () => [
    body("file-only", [], {}),
    body("all-fields", [["model", "whisper-1"], ["language", "ZH"], ["prompt", "阿里巴巴"], ["response_format", "verbose_json"], ["temperature", "0.2"], ["stream", "true"], ["timestamp_granularities[]", "segment"]], {}),
    body("lf-newlines", [["response_format", "srt"]], { filename: "a b.mp3", type: "audio/mpeg" }, "\n"),
    body("no-file", [["model", "x"]], null),
    body("file-as-text", [["file", "not a file"]], null),
    body("odd-names", [["temperature", "1.5"], ["timestamp_granularities", "segment,word"]], { filename: "..\\..\\evil\u0001.wav" }),
  ],
  async run(input) {
    const request = new Request("http://127.0.0.1/v1/audio/transcriptions", {
      method: "POST",
      headers: { "content-type": `multipart/form-data; boundary=${BOUNDARY}` },
      body: input,
    });
    const form = parseAudioForm(await readMultipartForm(request, LIMIT_BYTES));
    const upload = await saveUpload(form.file);
    try {
      if (!existsSync(upload.path)) throw new Error("the upload was not saved");
    } finally {
      await upload.dispose();
    }
    if (existsSync(upload.path)) throw new Error(`the temporary upload ${upload.path} survived dispose()`);
    return `${form.responseFormat}, ${form.file.size} bytes`;
  },
  allowedFiles: () => [],
  isTypedError: (e) => e instanceof HttpError,
};
