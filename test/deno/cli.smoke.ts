/** The command line under Deno prints what it prints under Bun, byte for byte. */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AUDIO, smokeTest, tinyModel, underBun, underDeno } from "./harness.ts";

const FORMATS = ["txt", "json", "verbose_json", "srt", "vtt"] as const;

for (const format of FORMATS) {
  smokeTest({ name: `transcribe --format ${format}: the same bytes as under Bun`, fn: async () => {
    const model = await tinyModel();
    const args = ["transcribe", "--model", model, "--format", format, AUDIO];
    const deno = underDeno(args);
    const bun = underBun(args);
    assert.equal(deno.status, 0, deno.stderr);
    assert.equal(bun.status, 0, bun.stderr);
    assert.ok(deno.stdout.length > 0);
    assert.equal(deno.stdout, bun.stdout);
    if (format === "json" || format === "verbose_json") assert.equal(typeof JSON.parse(deno.stdout).text, "string");
    if (format === "srt") assert.match(deno.stdout, /^1\n\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}\n/);
    if (format === "vtt") assert.match(deno.stdout, /^WEBVTT\n/);
  } });
}

smokeTest({ name: "transcribe --stream: the pieces as under Bun", fn: async () => {
  const model = await tinyModel();
  const args = ["transcribe", "--model", model, "--stream", AUDIO];
  const deno = underDeno(args);
  assert.equal(deno.status, 0, deno.stderr);
  assert.equal(deno.stdout, underBun(args).stdout);
} });

smokeTest({ name: "transcribe --live - (WAV on standard input): the same transcript as under Bun", fn: async () => {
  const model = await tinyModel();
  const args = ["transcribe", "--live", "-", "--model", model, "--format", "json"];
  const wav = readFileSync(AUDIO);
  const deno = underDeno(args, wav);
  const bun = underBun(args, wav);
  assert.equal(deno.status, 0, deno.stderr);
  assert.equal(bun.status, 0, bun.stderr);
  // Settled text as it comes, then the JSON transcript.
  assert.match(deno.stdout, /\n\{\n\s+"text": "/);
  assert.equal(deno.stdout, bun.stdout);
} });

smokeTest({ name: "translate: the same text as under Bun", fn: async () => {
  const model = await tinyModel();
  const args = ["translate", "你好世界", "--model", model];
  const deno = underDeno(args);
  assert.equal(deno.status, 0, deno.stderr);
  assert.ok(deno.stdout.length > 0);
  assert.equal(deno.stdout, underBun(args).stdout);
} });

smokeTest({ name: "batch: the same output files as under Bun", fn: async () => {
  const model = await tinyModel();
  const input = mkdtempSync(join(tmpdir(), "mlx-asr-deno-batch-"));
  mkdirSync(join(input, "sub"));
  copyFileSync(AUDIO, join(input, "a.wav"));
  copyFileSync(AUDIO, join(input, "sub", "b.wav"));
  const outputs = { deno: join(input, "..", `${input.split("/").pop()}-deno`), bun: join(input, "..", `${input.split("/").pop()}-bun`) };
  const deno = underDeno(["batch", input, "--model", model, "--format", "srt", "--output", outputs.deno]);
  const bun = underBun(["batch", input, "--model", model, "--format", "srt", "--output", outputs.bun]);
  assert.equal(deno.status, 0, deno.stderr);
  assert.equal(bun.status, 0, bun.stderr);
  const files = (dir: string) => readdirSync(dir, { recursive: true, encoding: "utf8" }).sort();
  assert.deepEqual(files(outputs.deno), files(outputs.bun));
  for (const file of files(outputs.deno).filter((f) => f.endsWith(".srt"))) {
    assert.equal(readFileSync(join(outputs.deno, file), "utf8"), readFileSync(join(outputs.bun, file), "utf8"));
  }
  assert.ok(files(outputs.deno).includes(join("sub", "b.srt")));
} });

smokeTest({ name: "models and inspect print what they print under Bun", fn: async () => {
  const model = await tinyModel();
  for (const args of [["models"], ["inspect", "--help"], ["download", "--help"], ["--help"]]) {
    const deno = underDeno(args);
    const bun = underBun(args);
    assert.equal(deno.status, bun.status, `${args.join(" ")}: ${deno.stderr}`);
    assert.equal(deno.stdout, bun.stdout, args.join(" "));
  }
  const out = { deno: join(mkdtempSync(join(tmpdir(), "mlx-asr-deno-inspect-")), "f.safetensors"), bun: "" };
  out.bun = out.deno.replace(/f\.safetensors$/, "b.safetensors");
  const deno = underDeno(["inspect", "features", "--model", model, "--audio", AUDIO, "--out", out.deno]);
  const bun = underBun(["inspect", "features", "--model", model, "--audio", AUDIO, "--out", out.bun]);
  assert.equal(deno.status, 0, deno.stderr);
  assert.equal(bun.status, 0, bun.stderr);
  assert.deepEqual(readFileSync(out.deno), readFileSync(out.bun));
} });
