/**
 * Bad model files: a wrong or missing config field names the file and field; a
 * checkpoint with missing, unexpected or mis-shaped tensors names the file and
 * the keys. Through inspect, these are one line and the right exit status.
 */
import { expect, test } from "bun:test";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Qwen4bAdaptor } from "../../adaptor/qwen4b-adaptor";
import { ConfigError, EXIT_STATUS, ModelFileError } from "../../src/errors";
import { mx } from "../../src/engine/mlx";
import { loadSafetensors, saveSafetensors } from "../../src/engine/safetensors";
import { Qwen3Decoder } from "../../src/models/qwen3-decoder";
import { SenseVoiceEncoder } from "../../src/models/sensevoice-encoder";
import { runCli } from "../helpers/cli";
import { MODEL_DIR, stageFile, UTTERANCES } from "../helpers/fixtures";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

function copyModel(): string {
  const dir = mkdtempSync(join(tmpdir(), "mlx-asr-badmodel-"));
  cpSync(MODEL_DIR, dir, { recursive: true });
  return dir;
}

function editJson(path: string, edit: (j: Record<string, unknown>) => void): void {
  const json = JSON.parse(readFileSync(path, "utf8"));
  edit(json);
  writeFileSync(path, JSON.stringify(json));
}

function caught(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error");
}

test("a missing config field is named with its file", () => {
  const dir = copyModel();
  const file = join(dir, "encoder", "config.json");
  editJson(file, (j) => delete (j.encoder_conf as Record<string, unknown>).output_size);
  const e = caught(() => SenseVoiceEncoder.load(join(dir, "encoder")));
  expect(e).toBeInstanceOf(ConfigError);
  expect(e.message).toContain(file);
  expect(e.message).toContain('field "encoder_conf.output_size"');
});

test("a config field of the wrong type is named with its file", async () => {
  const dir = copyModel();
  const file = join(dir, "decoder", "config.json");
  editJson(file, (j) => (j.num_attention_heads = "four"));
  await expect(Qwen3Decoder.load(join(dir, "decoder"))).rejects.toThrow(/config\.json: field "num_attention_heads"/);
});

test("config.json that is not JSON", () => {
  const dir = copyModel();
  writeFileSync(join(dir, "adaptor", "config.json"), "{ nope");
  expect(caught(() => Qwen4bAdaptor.load(join(dir, "adaptor"))).message).toMatch(/adaptor\/config\.json: is not valid JSON/);
});

test("missing, unexpected and mis-shaped tensors are named", () => {
  const dir = copyModel();
  const file = join(dir, "encoder", "model.safetensors");
  const tensors = loadSafetensors(file);
  const { ["encoder.tp_norm.bias"]: _dropped, ...rest } = tensors;
  saveSafetensors(file, rest);
  let e = caught(() => SenseVoiceEncoder.load(join(dir, "encoder")));
  expect(e).toBeInstanceOf(ModelFileError);
  expect(e.message).toContain(file);
  expect(e.message).toContain('lack "tp_norm.bias"');

  saveSafetensors(file, { ...tensors, "encoder.extra_layer.weight": mx.zeros([2]) });
  e = caught(() => SenseVoiceEncoder.load(join(dir, "encoder")));
  expect(e.message).toContain('unexpected tensors "extra_layer.weight"');

  saveSafetensors(file, { ...tensors, "encoder.after_norm.weight": mx.zeros([63]) });
  e = caught(() => SenseVoiceEncoder.load(join(dir, "encoder")));
  expect(e.message).toContain('"after_norm.weight" has shape [63], expected [64]');
});

test("through inspect: a bad encoder config is one line with the config exit status", () => {
  const dir = copyModel();
  editJson(join(dir, "encoder", "config.json"), (j) => ((j.encoder_conf as Record<string, unknown>).num_blocks = 0));
  const r = runCli(["inspect", "encoder", "--model", dir, "--input", stageFile(UTTERANCES[0]!, "features"), "--out", join(dir, "o.safetensors")]);
  expect(r.status).toBe(EXIT_STATUS.config);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).toContain('field "encoder_conf.num_blocks"');
});

test("through inspect: a decoder checkpoint missing a layer is one line with the model-files status", () => {
  const dir = copyModel();
  const file = join(dir, "decoder", "model.safetensors");
  const t = loadSafetensors(file);
  delete t["model.layers.1.mlp.down_proj.weight"];
  saveSafetensors(file, t);
  const u = UTTERANCES[0]!;
  const r2 = runCli(["inspect", "logits", "--model", dir, "--input", stageFile(u, "adaptor_out"), "--prompt", stageFile(u, "prompt").replace(/safetensors$/, "json"), "--out", join(dir, "o.safetensors")]);
  expect(r2.status).toBe(EXIT_STATUS.model_files);
  expect(r2.stderr).toContain('lack "model.layers.1.mlp.down_proj.weight"');
});
