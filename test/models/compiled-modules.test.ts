/**
 * Compiled blocks are shared by every module with the same signature: modules
 * of other widths in one process must each get their own correct result.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { NanoAdaptor, NanoAdaptorConfigSchema, nanoAdaptorTensors } from "../../adaptor/nano-adaptor";
import { mx, type Tensor } from "../../src/engine/mlx";
import { difference } from "../helpers/compare";
import { MODEL_DIR, stageTensors, UTTERANCES } from "../helpers/fixtures";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

test("a Nano adaptor of another width built first does not change the fixture adaptor's result", () => {
  const other = NanoAdaptorConfigSchema.parse({
    audio_adaptor_conf: { ffn_dim: 128, llm_dim: 64, encoder_dim: 64, n_layer: 2, attention_heads: 4 },
    block_ffn_dim: 16,
  });
  const tensors: Record<string, Tensor> = {};
  for (const [name, shape] of nanoAdaptorTensors(other)) tensors[name] = mx.multiply(mx.random.normal([...shape], mx.float32, 0, 1, mx.random.key(1)), 0.1);
  const wide = NanoAdaptor.fromTensors(other, (name) => tensors[name]!);
  const u = UTTERANCES[0]!;
  mx.eval(wide.forward(stageTensors(u, "encoder_out").encoder_out!).frames);

  const fixture = NanoAdaptor.load(join(MODEL_DIR, "nano_adaptor"));
  const out = fixture.forward(stageTensors(u, "encoder_out").encoder_out!);
  expect(difference(out.frames, stageTensors(u, "nano_adaptor_out").nano_adaptor_out!).maxAbs).toBeLessThanOrEqual(2e-5);
});
