/** `serve` under Deno answers the official openai client as under Bun. */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import OpenAI, { toFile } from "openai";
import { AUDIO, CLI, DENO_RUN, ROOT, smokeTest, tinyModel, underBun } from "./harness.ts";

smokeTest({
  name: "serve: transcriptions through the openai client, an OpenAI error for bad audio, exit 0 on SIGTERM",
  // The child's pipes are closed by the time it exits.
  sanitizeResources: false,
  fn: async () => {
    const model = await tinyModel();
    const child = spawn(DENO_RUN[0]!, [...DENO_RUN.slice(1), CLI, "serve", "--model", model, "--port", "0"], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, BLIS_NUM_THREADS: process.env.BLIS_NUM_THREADS ?? "1" },
    });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<string>((resolve) => child.on("exit", (code, signal) => resolve(`${code ?? signal}`)));
    const baseURL = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        const found = /OpenAI base URL (\S+)/.exec(stdout);
        if (found) resolve(found[1]!);
      });
      void exited.then((code) => reject(new Error(`serve exited (${code}) before listening: ${stderr}`)));
    });
    try {
      const client = new OpenAI({ baseURL, apiKey: "unused", maxRetries: 0 });
      const wav = readFileSync(AUDIO);
      const transcription = await client.audio.transcriptions.create({ file: await toFile(wav, "zh_16k.wav"), model: "tiny" });
      const bun = underBun(["transcribe", "--model", model, "--format", "json", AUDIO]);
      assert.equal(transcription.text, JSON.parse(bun.stdout).text);

      const verbose = await client.audio.transcriptions.create({ file: await toFile(wav, "zh_16k.wav"), model: "tiny", response_format: "verbose_json" });
      assert.equal(verbose.text, transcription.text);
      assert.ok((verbose.segments ?? []).length > 0);

      const srt = await client.audio.transcriptions.create({ file: await toFile(wav, "zh_16k.wav"), model: "tiny", response_format: "srt" });
      assert.equal(srt, underBun(["transcribe", "--model", model, "--format", "srt", AUDIO]).stdout);

      const models = await client.models.list();
      assert.deepEqual(
        models.data.map((m) => m.id),
        ["model"],
      );

      await assert.rejects(
        client.audio.transcriptions.create({ file: await toFile(Buffer.from("not audio"), "notes.wav"), model: "tiny" }),
        (e: unknown) => e instanceof OpenAI.APIError && e.status === 400 && (e.error as { code?: string }).code === "audio_decode_failed",
      );
    } finally {
      process.kill(child.pid!, "SIGTERM");
    }
    assert.equal(await exited, "0", stderr);
    assert.match(stderr, /SIGTERM, shutting down/);
  },
});
