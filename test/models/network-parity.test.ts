/**
 * The networks against the reference on every fixture utterance, each fed the
 * stored output of the previous stage (fixtures/README.md §4–8), with the bounds
 * the issue states.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fakeTokenLength, NanoAdaptor } from "../../adaptor/nano-adaptor";
import { Qwen4bAdaptor } from "../../adaptor/qwen4b-adaptor";
import { mx } from "../../src/engine/mlx";
import { Qwen3Decoder } from "../../src/models/qwen3-decoder";
import { SenseVoiceEncoder } from "../../src/models/sensevoice-encoder";
import { greedyTrace } from "../../src/pipeline/generate";
import { injectAudio, spanOf } from "../../src/pipeline/injection";
import { difference } from "../helpers/compare";
import { MODEL_DIR, stageJson, stageTensors, UTTERANCES } from "../helpers/fixtures";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

const encoder = SenseVoiceEncoder.load(join(MODEL_DIR, "encoder"));
const adaptor = Qwen4bAdaptor.load(join(MODEL_DIR, "adaptor"));
const adaptorPytorchLayout = Qwen4bAdaptor.load(join(MODEL_DIR, "adaptor"), "model.pytorch_layout.safetensors");
const nano = NanoAdaptor.load(join(MODEL_DIR, "nano_adaptor"));
const decoder = await Qwen3Decoder.load(join(MODEL_DIR, "decoder"));

describe.each(UTTERANCES)("network parity: $id", (u) => {
  const features = stageTensors(u, "features").features!;
  const encoded = stageTensors(u, "encoder_out");
  const adapted = stageTensors(u, "adaptor_out");
  const nanoRef = stageTensors(u, "nano_adaptor_out");

  test("encoder_out from the stored features ≤ 1e-4, with the named intermediates", () => {
    const out = encoder.forward(features.reshape([1, ...features.shape]));
    expect(difference(out, encoded.encoder_out!).maxAbs).toBeLessThanOrEqual(1e-4);
  });

  test("adaptor_out from the stored encoder_out ≤ 1e-4, in both checkpoint layouts", () => {
    expect(difference(adaptor.forward(encoded.encoder_out!), adapted.adaptor_out!).maxAbs).toBeLessThanOrEqual(1e-4);
    expect(difference(adaptorPytorchLayout.forward(encoded.encoder_out!), adapted.adaptor_out!).maxAbs).toBeLessThanOrEqual(1e-4);
  });

  test("nano_adaptor_out ≤ 2e-5 and fake_token_len exact", () => {
    const out = nano.forward(encoded.encoder_out!);
    expect(difference(out.frames, nanoRef.nano_adaptor_out!).maxAbs).toBeLessThanOrEqual(2e-5);
    const expected = stageJson<{ fake_token_len: number }>(u, "nano").fake_token_len;
    expect(out.llmLengths).toEqual([expected]);
    const llm = out.frames.index(mx.Slice(), mx.Slice(0, expected));
    expect(difference(llm, nanoRef.nano_adaptor_out_llm!).maxAbs).toBeLessThanOrEqual(2e-5);
    expect(difference(llm, out.frames.index(mx.Slice(), mx.Slice(0, expected))).maxAbs).toBe(0);
  });

  test("prefill and KV-cached step logits ≤ 2e-3, greedy tokens identical", async () => {
    const prompt = stageJson<{ input_ids: number[]; audio_positions: number[] }>(u, "prompt");
    const embeds = injectAudio(decoder, prompt.input_ids, spanOf(prompt.audio_positions, "prompt"), adapted.adaptor_out!.index(0));
    expect(difference(embeds, stageTensors(u, "prefill_logits").inputs_embeds!).maxAbs).toBe(0);
    const prefill = decoder.forward(embeds, decoder.newCache(), { allPositions: true });
    expect(difference(prefill, stageTensors(u, "prefill_logits").prefill_logits!).maxAbs).toBeLessThanOrEqual(2e-3);
    const trace = await greedyTrace(decoder, embeds, 8);
    expect(difference(trace.stepLogits, stageTensors(u, "greedy_logits").step_logits!).maxAbs).toBeLessThanOrEqual(2e-3);
    expect(trace.tokens).toEqual(stageJson<{ greedy_tokens: number[] }>(u, "greedy").greedy_tokens);
  });
});

test("fake_token_len equals the reference table for every L in 0..1000", () => {
  const table = (JSON.parse(readFileSync(join(MODEL_DIR, "nano_adaptor", "fake_token_len.json"), "utf8")) as { fake_token_len: number[] }).fake_token_len;
  expect(table.length).toBe(1001);
  expect(table.map((_, L) => fakeTokenLength(L))).toEqual(table);
});

test("the LayerNorm eps of the Nano adaptor is FunASR's 1e-12", () => {
  expect(nano.config.layer_norm_eps).toBe(1e-12);
});
