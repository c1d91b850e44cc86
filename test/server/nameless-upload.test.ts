/**
 * An upload part whose filename Bun's form parser cannot read arrives as a
 * nameless Blob; it is accepted as "upload" instead of crashing the temporary
 * file's naming (found by `bun run fuzz --seed 8 --case 10252`).
 */
import { expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { parseAudioForm } from "../../src/server/form-fields";
import { readMultipartForm } from "../../src/server/multipart-body";
import { saveUpload } from "../../src/server/temp-upload";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

test("a file part with an unparsable filename is saved and removed like any upload", async () => {
  const boundary = "b0undary";
  const body = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename=\u0000\u0011"speech.wav"\r\nContent-Type: audio/wav\r\n\r\nRIFF-not-really\r\n--${boundary}--\r\n`;
  const request = new Request("http://127.0.0.1/", { method: "POST", headers: { "content-type": `multipart/form-data; boundary=${boundary}` }, body });
  const form = parseAudioForm(await readMultipartForm(request, 1 << 20));
  expect(form.file.name).toBe("upload");
  const upload = await saveUpload(form.file);
  expect(readFileSync(upload.path, "latin1")).toBe("RIFF-not-really");
  expect(upload.name).toBe("upload");
  await upload.dispose();
  expect(existsSync(upload.path)).toBe(false);
});
