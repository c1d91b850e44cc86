/** The `encoder` stage every family with an audio encoder has: features → `encoder_out`. */
import { mx } from "../../engine/mlx";
import type { AudioEncoder } from "../../nn/parts";
import type { ModelParts } from "../../pipeline/model-parts";
import { batched, batchOf, expectTensors } from "./stage-value";
import type { StageDefinition } from "./stages";

export function encoderStage(parts: ModelParts): StageDefinition {
  return {
    name: "encoder",
    previous: "features",
    tensor: "encoder_out",
    itemRank: 2,
    async run(input) {
      const value = expectTensors(input);
      const { data, lengths } = batchOf(value);
      const out = (await parts.network<AudioEncoder>("encoder")).encode(data, lengths);
      mx.eval(out.frames);
      return batched("encoder", out.frames, out.lengths, value.lengths !== null, value.sources);
    },
  };
}
