/** Bad input gives the same one-line error and exit status under Deno as under Bun. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AUDIO, CLI, DENO_RUN, ROOT, smokeTest, tinyModel, underBun, underDeno } from "./harness.ts";

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

smokeTest({ name: "no C compiler for the first run's Node-API corrections: one line, exit 12, nothing left in the cache", fn: () => {
  const cache = mkdtempSync(join(tmpdir(), "mlx-asr-deno-nocc-"));
  const r = spawnSync(DENO_RUN[0]!, [...DENO_RUN.slice(1), CLI, "transcribe", "--model", join(cache, "no-model"), AUDIO], {
    cwd: ROOT,
    env: { ...process.env, MLX_ASR_CACHE: cache, CC: "/nonexistent/cc" },
    encoding: "utf8",
  });
  assert.equal(r.status, 12, r.stderr);
  assert.equal(
    r.stderr,
    "mlx-asr: error[RUNTIME_DENO_ENGINE]: deno: the engine needs a small Node-API correction compiled for Deno (once; it is cached), and the C compiler (/nonexistent/cc) failed: not found; install one (apt-get install gcc) or set CC, or run under Bun\n",
  );
  assert.deepEqual(readdirSync(join(cache, "deno-engine")), []);
} });
