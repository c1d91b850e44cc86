/**
 * The released checkpoint layouts at their real widths (layers cut to keep the
 * test fast): SenseVoiceSmall's `encoder.*` file with its CTC head and query
 * embedding, the Qwen4B adaptor in PyTorch layout, Fun-ASR-Nano's combined file
 * (`audio_encoder.*`, `audio_adaptor.*`, `llm.*`) and a sharded HF Qwen3-0.6B —
 * written here with random values, loaded unchanged, and run one step.
 * Nothing of that size is committed.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FUN_ASR_NANO_ADAPTOR, NANO_ADAPTOR, nanoAdaptorTensors, type NanoAdaptor } from "../../adaptor/nano-adaptor";
import { QWEN4B_ADAPTOR_RELEASE as QWEN4B_ADAPTOR, QWEN4B_ADAPTOR as QWEN4B_ADAPTOR_NETWORK, qwen4bAdaptorTensors, type Qwen4bAdaptor } from "../../adaptor/qwen4b-adaptor";
import { mx } from "../../src/engine/mlx";
import { CheckpointIndex, findWeightFiles, loadCheckpoint } from "../../src/engine/weights";
import { saveSafetensors } from "../../src/engine/safetensors";
import { QWEN3_0_6B, QWEN3_DECODER, Qwen3Decoder, qwen3Tensors } from "../../src/models/qwen3-decoder";
import { SENSEVOICE_ENCODER, SENSEVOICE_SMALL as SENSEVOICE_SMALL_ENCODER, senseVoiceEncoderTensors, type SenseVoiceEncoder } from "../../src/models/sensevoice-encoder";
import { loadNetwork, type NetworkDefinition } from "../../src/nn/network";
import { injectAudio } from "../../src/pipeline/injection";
import { plansFor, writeCheckpoint } from "../../scripts/synthetic/checkpoint";
import { allowSlowTests, SLOW_TEST_MS } from "../helpers/timeout";

allowSlowTests();

const dir = mkdtempSync(join(tmpdir(), "mlx-asr-real-shapes-"));

/** Loads a network of the given configuration from checkpoint files, as the model loader does. */
function fromCheckpoint<C, N>(def: NetworkDefinition<C, N>, config: C, files: string[], configSource = "test"): N | Promise<N> {
  return loadNetwork(def, config, { files }, { configSource });
}
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const encoderConfig = { ...SENSEVOICE_SMALL_ENCODER, encoder_conf: { ...SENSEVOICE_SMALL_ENCODER.encoder_conf, num_blocks: 2, tp_blocks: 1 } };
const adaptorConfig = { ...QWEN4B_ADAPTOR, num_layers: 1 };
const llmConfig = { ...QWEN3_0_6B, num_hidden_layers: 2 };
const features = mx.random.normal([1, 20, 560], mx.float32, 0, 1, mx.random.key(1));

test("SenseVoiceSmall layout: encoder.* beside embed.weight and the CTC head; then the Qwen4B adaptor in PyTorch layout", async () => {
  const svDir = join(dir, "sensevoice");
  await writeCheckpoint(svDir, [
    ...plansFor(senseVoiceEncoderTensors(encoderConfig), "encoder."),
    { name: "embed.weight", shape: [16, 560], init: "normal" },
    { name: "ctc.ctc_lo.weight", shape: [25055, 512], init: "normal" },
    { name: "ctc.ctc_lo.bias", shape: [25055], init: "zeros" },
  ]);
  const encoder = fromCheckpoint(SENSEVOICE_ENCODER, encoderConfig, findWeightFiles(svDir)) as SenseVoiceEncoder;
  const encoded = encoder.forward(features);
  expect(encoded.shape).toEqual([1, 20, 512]);

  const adDir = join(dir, "adaptor");
  await writeCheckpoint(adDir, plansFor(qwen4bAdaptorTensors(adaptorConfig, "pytorch")), { dtype: "bfloat16", fileName: "adaptor_phase2_final.safetensors" });
  const adaptor = fromCheckpoint(QWEN4B_ADAPTOR_NETWORK, adaptorConfig, findWeightFiles(adDir, ["adaptor_phase2_final.safetensors"])) as Qwen4bAdaptor;
  const adapted = adaptor.forward(encoded);
  expect(adapted.shape).toEqual([1, 20, 2560]);
  expect(Number(mx.isnan(adapted).any().item())).toBe(0);
  // The final LayerNorm leaves each frame with mean ≈ 0 and std ≈ 1 (weights near 1, biases near 0).
  expect(Math.abs(Number(mx.mean(adapted).item()))).toBeLessThan(0.1);
});

test("Fun-ASR-Nano combined layout (audio_encoder., audio_adaptor., llm.) and a sharded HF Qwen3-0.6B load and decode one step", async () => {
  const nanoDir = join(dir, "nano");
  const llmShapes = qwen3Tensors(llmConfig);
  await writeCheckpoint(
    nanoDir,
    [
      ...plansFor(senseVoiceEncoderTensors(encoderConfig), "audio_encoder."),
      ...plansFor(nanoAdaptorTensors(FUN_ASR_NANO_ADAPTOR), "audio_adaptor."),
      ...plansFor(llmShapes, "llm."),
      { name: "llm.lm_head.weight", shape: [151936, 1024], init: "zeros" },
    ],
    { dtype: "bfloat16", seed: 7 },
  );
  const index = CheckpointIndex.fromFiles(findWeightFiles(nanoDir));
  const encoder = fromCheckpoint(SENSEVOICE_ENCODER, { ...encoderConfig, checkpoint_key_prefix: "audio_encoder." }, index.files) as SenseVoiceEncoder;
  const nano = fromCheckpoint(NANO_ADAPTOR, FUN_ASR_NANO_ADAPTOR, index.files) as NanoAdaptor;
  writeFileSync(join(nanoDir, "config.json"), JSON.stringify(llmConfig));
  const decoder = await fromCheckpoint(QWEN3_DECODER, llmConfig, index.files, join(nanoDir, "config.json"));

  const adapted = nano.forward(encoder.forward(features));
  expect(adapted.frames.shape).toEqual([1, 20, 1024]);
  expect(adapted.llmLengths).toEqual([3]);
  const audio = adapted.frames.index(0, mx.Slice(0, 3));
  const ids = [151644, 872, 198, 0, 0, 0, 151645, 198, 151644, 77091, 198];
  const embeds = injectAudio(decoder, ids, { start: 3, end: 6 }, audio);
  const cache = decoder.newCache();
  const prefill = decoder.forward(embeds, cache);
  expect(prefill.shape).toEqual([1, 1, 151936]);
  const next = Number(mx.argmax(prefill.reshape([-1])).item());
  const step = decoder.forward(decoder.embed(mx.array([[next]], mx.int32)), cache);
  expect(step.shape).toEqual([1, 1, 151936]);
  expect(cache.layers[0]!.offset).toBe(ids.length + 1);

  // The same LLM tensors as a stock HF repo: two shards + index, no prefix.
  const hfDir = join(dir, "qwen3-0.6b");
  mkdirSync(hfDir);
  const llm = loadCheckpoint(index, "llm.");
  delete llm["lm_head.weight"];
  const names = Object.keys(llm).sort();
  const half = names.length >> 1;
  const shards = [names.slice(0, half), names.slice(half)];
  const weightMap: Record<string, string> = {};
  shards.forEach((shard, i) => {
    const file = `model-0000${i + 1}-of-00002.safetensors`;
    saveSafetensors(join(hfDir, file), Object.fromEntries(shard.map((n) => [n, llm[n]!])));
    for (const n of shard) weightMap[n] = file;
  });
  writeFileSync(join(hfDir, "model.safetensors.index.json"), JSON.stringify({ metadata: {}, weight_map: weightMap }));
  writeFileSync(join(hfDir, "config.json"), JSON.stringify({ ...llmConfig, architectures: ["Qwen3ForCausalLM"], torch_dtype: "bfloat16" }));
  expect(findWeightFiles(hfDir).length).toBeGreaterThan(1);
  const hf = await Qwen3Decoder.load(hfDir);
  const hfLogits = hf.forward(injectAudio(hf, ids, { start: 3, end: 6 }, audio), hf.newCache());
  expect(Number(mx.abs(mx.subtract(hfLogits, prefill)).max().item())).toBe(0);
}, SLOW_TEST_MS);
