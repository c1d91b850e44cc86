/** Bad input gives the same one-line error and exit status under Deno as under Bun. */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AUDIO, ROOT, smokeTest, tinyModel, underBun, underDeno } from "./harness.ts";

smokeTest({ name: "bad input: the same error line and exit status as under Bun", fn: async () => {
  const model = await tinyModel();
  const dir = mkdtempSync(join(tmpdir(), "mlx-asr-deno-errors-"));
  const notAudio = join(dir, "notes.wav");
  writeFileSync(notAudio, "this is not a WAV file\n");
  const cases: string[][] = [
    ["transcribe", "--model", model, join(dir, "missing.wav")],
    ["transcribe", "--model", model, notAudio],
    ["transcribe", "--model", model, "--format", "docx", AUDIO],
    ["transcribe", "--model", join(dir, "no-model-here"), AUDIO],
    ["transcribe", "--model", join(ROOT, "test/fixtures/audio"), AUDIO],
    ["transcribe", "--bogus", AUDIO],
    ["no-such-command"],
    ["serve", "--model", model, "--port", "70000"],
  ];
  for (const args of cases) {
    const deno = underDeno(args);
    const bun = underBun(args);
    const what = args.join(" ");
    assert.notEqual(deno.status, 0, what);
    assert.equal(deno.status, bun.status, what);
    assert.equal(deno.stderr, bun.stderr, what);
    assert.match(deno.stderr, /^mlx-asr: error\[[A-Z_]+\]: [^\n]+\n$/, what);
  }
} });
