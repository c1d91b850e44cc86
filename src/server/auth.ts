/** `Authorization: Bearer <key>`, compared in constant time, when the server has a key. */
import { createHash, timingSafeEqual } from "node:crypto";
import { HttpError } from "./openai-error";

const CHALLENGE = { "www-authenticate": 'Bearer realm="mlx-asr"' };

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

export function requireApiKey(request: Request, expectedKey: string): void {
  const header = request.headers.get("authorization") ?? "";
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (!match) {
    throw new HttpError(401, "missing_api_key", "You didn't provide an API key: send it as 'Authorization: Bearer <key>'.", null, CHALLENGE);
  }
  // Hashing first gives equal lengths, so the comparison time says nothing about the key.
  if (!timingSafeEqual(digest(match[1]!.trim()), digest(expectedKey))) {
    throw new HttpError(401, "invalid_api_key", "Incorrect API key provided.", null, CHALLENGE);
  }
}
