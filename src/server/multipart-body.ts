/**
 * Reading a multipart/form-data request under a size limit: a declared
 * Content-Length over the limit is refused before a byte is read, and the bytes
 * are counted as they arrive (chunked uploads declare nothing).
 */
import { CancelledError } from "../errors";
import { HttpError } from "./openai-error";

const MIB = 2 ** 20;

function megabytes(bytes: number): string {
  return `${Number((bytes / MIB).toFixed(1))} MB`;
}

function tooLarge(limitBytes: number, actualBytes?: number): HttpError {
  const size = actualBytes === undefined ? "is larger than" : `is ${megabytes(actualBytes)}, over`;
  return new HttpError(413, "upload_too_large", `The upload ${size} this server's limit of ${megabytes(limitBytes)} (serve --max-upload-mb).`);
}

function multipartContentType(request: Request): string {
  const contentType = request.headers.get("content-type") ?? "";
  if (!/^multipart\/form-data\s*;.*boundary=/i.test(contentType)) {
    throw new HttpError(
      400,
      "invalid_content_type",
      `Expected a multipart/form-data body with a boundary, got Content-Type "${contentType || "(none)"}".`,
    );
  }
  return contentType;
}

function checkDeclaredLength(request: Request, limitBytes: number): void {
  const declared = request.headers.get("content-length");
  if (declared === null) return;
  const bytes = Number(declared);
  if (Number.isFinite(bytes) && bytes > limitBytes) throw tooLarge(limitBytes, bytes);
}

async function readLimited(request: Request, limitBytes: number): Promise<Uint8Array[]> {
  if (!request.body) throw new HttpError(400, "invalid_multipart", "The request has no body; send the audio as multipart/form-data.");
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) return chunks;
      total += value.byteLength;
      if (total > limitBytes) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge(limitBytes);
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof HttpError) throw e;
    if (request.signal.aborted) throw new CancelledError("CANCELLED", "request", "the client went away during the upload");
    throw new HttpError(400, "upload_interrupted", `The upload could not be read: ${(e as Error).message}`);
  }
}

/** The form of a multipart/form-data request whose body is at most `limitBytes`. */
export async function readMultipartForm(request: Request, limitBytes: number): Promise<FormData> {
  const contentType = multipartContentType(request);
  checkDeclaredLength(request, limitBytes);
  const chunks = await readLimited(request, limitBytes);
  try {
    return (await new Response(new Blob(chunks), { headers: { "content-type": contentType } }).formData()) as FormData;
  } catch (e) {
    throw new HttpError(400, "invalid_multipart", `Malformed multipart/form-data body: ${(e as Error).message.split("\n")[0]}`);
  }
}
