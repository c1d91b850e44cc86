/**
 * The uploaded audio as a temporary file for the decoder (which reads files;
 * ffmpeg needs one), in a private directory that is always removed.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, extname, join } from "node:path";
import { IoError } from "../errors";

export interface TempUpload {
  readonly path: string;
  /** The client's file name, for messages; never used as a path. */
  readonly name: string;
  /** Removes the file; safe to call more than once. */
  dispose(): Promise<void>;
}

/** A plain extension like ".mp3" helps ffmpeg guess raw streams; anything else is dropped. */
function safeExtension(fileName: string): string {
  const ext = extname(fileName).toLowerCase();
  return /^\.[a-z0-9]{1,8}$/.test(ext) ? ext : "";
}

function displayName(fileName: string): string {
  return basename(fileName.replace(/\\/g, "/")).replace(/[\x00-\x1f\x7f]/g, "") || "upload";
}

export async function saveUpload(file: File): Promise<TempUpload> {
  const dir = await mkdtemp(join(tmpdir(), "mlx-asr-upload-"));
  let disposed: Promise<void> | null = null;
  const dispose = () => (disposed ??= rm(dir, { recursive: true, force: true }));
  const path = join(dir, `upload${safeExtension(file.name)}`);
  try {
    await writeFile(path, new Uint8Array(await file.arrayBuffer()));
  } catch (e) {
    await dispose();
    throw new IoError("UPLOAD_NOT_SAVED", "upload", `could not write the upload to a temporary file: ${(e as Error).message}`);
  }
  return { path, name: displayName(file.name), dispose };
}
