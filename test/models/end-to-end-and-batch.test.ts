/**
 * From the WAV through every network (bounds for float32 end to end), and
 * right-padded batches equal to the single runs row for row.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NANO_ADAPTOR, NanoAdaptor, NanoAdaptorConfigSchema } from "../../adaptor/nano-adaptor";
import { Qwen4bAdaptor } from "../../adaptor/qwen4b-adaptor";
import { AudioFrontend } from "../../src/audio/features/funasr-frontend";
import { Qwen3Decoder } from "../../src/models/qwen3-decoder";
import { SenseVoiceEncoder } from "../../src/models/sensevoice-encoder";
import { loadNetwork } from "../../src/nn/network";
import { loadAudio } from "../../src/audio/load";
import { loadSafetensors } from "../../src/engine/safetensors";
import { mx } from "../../src/engine/mlx";
import { findWeightFiles } from "../../src/engine/weights";
import { readConfig } from "../../src/config";
import { greedyTrace } from "../../src/pipeline/generate";
import { injectAudio, spanOf } from "../../src/pipeline/injection";
import { difference } from "../helpers/compare";
import { runCli } from "../helpers/cli";
import { MODEL_DIR, stageFile, stageJson, stageTensors, UTTERANCES, wavPath } from "../helpers/fixtures";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

const ctx = {
  frontend: AudioFrontend.load(join(MODEL_DIR, "frontend")),
  encoder: SenseVoiceEncoder.load(join(MODEL_DIR, "encoder")),
  adaptor: Qwen4bAdaptor.load(join(MODEL_DIR, "adaptor")),
  nanoAdaptor: NanoAdaptor.load(join(MODEL_DIR, "nano_adaptor")),
};
const decoder = await Qwen3Decoder.load(join(MODEL_DIR, "decoder"));

describe.each(UTTERANCES)("end to end from the WAV: $id", (u) => {
  test("encoder, adaptors ≤ 1e-3; logits ≤ 1e-2; greedy tokens identical", async () => {
    const features = ctx.frontend.run(loadAudio(wavPath(u)).samples);
    const encoded = ctx.encoder.forward(features.reshape([1, ...features.shape]));
    expect(difference(encoded, stageTensors(u, "encoder_out").encoder_out!).maxAbs).toBeLessThanOrEqual(1e-3);
    const adapted = ctx.adaptor.forward(encoded);
    expect(difference(adapted, stageTensors(u, "adaptor_out").adaptor_out!).maxAbs).toBeLessThanOrEqual(1e-3);
    const nanoOut = ctx.nanoAdaptor.forward(encoded);
    expect(difference(nanoOut.frames, stageTensors(u, "nano_adaptor_out").nano_adaptor_out!).maxAbs).toBeLessThanOrEqual(1e-3);

    const prompt = stageJson<{ input_ids: number[]; audio_positions: number[] }>(u, "prompt");
    const embeds = injectAudio(decoder, prompt.input_ids, spanOf(prompt.audio_positions, "prompt"), adapted.index(0));
    const prefill = decoder.forward(embeds, decoder.newCache(), { allPositions: true });
    expect(difference(prefill, stageTensors(u, "prefill_logits").prefill_logits!).maxAbs).toBeLessThanOrEqual(1e-2);
    const trace = await greedyTrace(decoder, embeds, 8);
    expect(difference(trace.stepLogits, stageTensors(u, "greedy_logits").step_logits!).maxAbs).toBeLessThanOrEqual(1e-2);
    expect(trace.tokens).toEqual(stageJson<{ greedy_tokens: number[] }>(u, "greedy").greedy_tokens);
  });
});

describe("a right-padded batch equals the single runs row for row", () => {
  const [a, b] = [UTTERANCES.find((u) => u.id === "en_16k")!, UTTERANCES.find((u) => u.id === "zh_16k")!];
  const fa = stageTensors(a, "features").features!;
  const fb = stageTensors(b, "features").features!;
  const lengths = [fa.shape[0]!, fb.shape[0]!];
  const batch = mx.stack([mx.pad(fa, [[0, lengths[1]! - lengths[0]!], [0, 0]]), fb], 0);
  const ROW_BOUND = 1e-5;

  test("encoder", () => {
    const out = ctx.encoder.forward(batch, lengths);
    const single = ctx.encoder.forward(fa.reshape([1, ...fa.shape]));
    expect(difference(out.index(mx.Slice(0, 1), mx.Slice(0, lengths[0]!)), single).maxAbs).toBeLessThanOrEqual(ROW_BOUND);
    expect(difference(out.index(mx.Slice(1, 2)), ctx.encoder.forward(fb.reshape([1, ...fb.shape]))).maxAbs).toBeLessThanOrEqual(ROW_BOUND);
  });

  test("Qwen4B adaptor and Nano adaptor with key padding masks", () => {
    const ea = stageTensors(a, "encoder_out").encoder_out!;
    const eb = stageTensors(b, "encoder_out").encoder_out!;
    const encBatch = mx.concatenate([mx.pad(ea, [[0, 0], [0, lengths[1]! - lengths[0]!], [0, 0]]), eb], 0);
    const ad = ctx.adaptor.forward(encBatch, lengths);
    expect(difference(ad.index(mx.Slice(0, 1), mx.Slice(0, lengths[0]!)), ctx.adaptor.forward(ea)).maxAbs).toBeLessThanOrEqual(ROW_BOUND);
    expect(difference(ad.index(mx.Slice(1, 2)), ctx.adaptor.forward(eb)).maxAbs).toBeLessThanOrEqual(ROW_BOUND);
    const nb = ctx.nanoAdaptor.forward(encBatch, lengths);
    expect(nb.llmLengths).toEqual([7, 8]);
    expect(difference(nb.frames.index(mx.Slice(0, 1), mx.Slice(0, lengths[0]!)), ctx.nanoAdaptor.forward(ea).frames).maxAbs).toBeLessThanOrEqual(ROW_BOUND);
  });

  test("through inspect: two --audio files give the single results row for row", () => {
    const dir = mkdtempSync(join(tmpdir(), "mlx-asr-batch-"));
    const out = join(dir, "enc.safetensors");
    const r = runCli(["inspect", "adaptor", "--model", MODEL_DIR, "--audio", wavPath(a), "--audio", wavPath(b), "--out", out]);
    expect(r.status).toBe(0);
    const t = loadSafetensors(out);
    expect(t.lengths!.tolist()).toEqual(lengths);
    expect(difference(t.adaptor_out!.index(mx.Slice(0, 1), mx.Slice(0, lengths[0]!)), stageTensors(a, "adaptor_out").adaptor_out!).maxAbs).toBeLessThanOrEqual(1e-3);
    expect(difference(t.adaptor_out!.index(mx.Slice(1, 2)), stageTensors(b, "adaptor_out").adaptor_out!).maxAbs).toBeLessThanOrEqual(1e-3);
  });
});

test("inspect logits --steps 8 from the stored adaptor_out reproduces the reference", () => {
  const u = UTTERANCES[0]!;
  const out = join(mkdtempSync(join(tmpdir(), "mlx-asr-logits-")), "l.safetensors");
  const r = runCli(["inspect", "logits", "--model", MODEL_DIR, "--input", stageFile(u, "adaptor_out"), "--prompt", join(stageFile(u, "prompt").replace(/\.safetensors$/, ".json")), "--steps", "8", "--out", out]);
  expect(r.stderr).toBe("");
  const t = loadSafetensors(out);
  expect(difference(t.prefill_logits!, stageTensors(u, "prefill_logits").prefill_logits!).maxAbs).toBeLessThanOrEqual(2e-3);
  expect(difference(t.step_logits!, stageTensors(u, "greedy_logits").step_logits!).maxAbs).toBeLessThanOrEqual(2e-3);
  expect(t.greedy_tokens!.dtype).toBe(mx.int32);
  expect(t.greedy_tokens!.tolist()).toEqual(stageJson<{ greedy_tokens: number[] }>(u, "greedy").greedy_tokens);
});

test("inspect nano_adaptor writes every frame and the LLM's first fake_token_len frames", () => {
  const u = UTTERANCES[3]!;
  const out = join(mkdtempSync(join(tmpdir(), "mlx-asr-nano-")), "n.safetensors");
  expect(runCli(["inspect", "nano_adaptor", "--model", MODEL_DIR, "--input", stageFile(u, "encoder_out"), "--out", out]).status).toBe(0);
  const t = loadSafetensors(out);
  const ref = stageTensors(u, "nano_adaptor_out");
  expect(difference(t.nano_adaptor_out!, ref.nano_adaptor_out!).maxAbs).toBeLessThanOrEqual(2e-5);
  expect(difference(t.nano_adaptor_out_llm!, ref.nano_adaptor_out_llm!).maxAbs).toBeLessThanOrEqual(2e-5);
});

test("a Nano adaptor with LayerNorm eps 1e-5 misses the 2e-5 bound (the bound detects the wrong eps)", () => {
  const dir = join(MODEL_DIR, "nano_adaptor");
  const config = readConfig(join(dir, "config.json"), NanoAdaptorConfigSchema);
  const wrong = loadNetwork(NANO_ADAPTOR, { ...config, layer_norm_eps: 1e-5 }, { files: findWeightFiles(dir) }, { configSource: dir }) as NanoAdaptor;
  const worst = Math.max(
    ...UTTERANCES.map((u) => difference(wrong.forward(stageTensors(u, "encoder_out").encoder_out!).frames, stageTensors(u, "nano_adaptor_out").nano_adaptor_out!).maxAbs),
  );
  expect(worst).toBeGreaterThan(2e-5);
});
