/**
 * The decoder's weights for the per-op profile, from the checkpoint, arranged as
 * the decoder runs them since it fuses at load: q/k/v as one matrix and gate/up
 * as one matrix per layer (float32, or quantized like the row), o and down
 * alone, and the tied embedding as the LM head. The separate projections are row
 * ranges (views) of the fused matrices, so they can be timed without a second copy.
 */
import { mx, type Tensor } from "../../src/engine/mlx";
import { castFloating, CheckpointIndex, findWeightFiles, loadCheckpoint } from "../../src/engine/weights";
import type { Qwen3Config } from "../../src/models/qwen3-decoder";
import { Embedding, QuantizedEmbedding, type TokenEmbedding } from "../../src/nn/embedding";
import { Linear, QuantizedLinear, type Projection } from "../../src/nn/linear";
import { releaseMemory } from "../../src/runtime";

const GROUP_SIZE = 64;

/** Fused op name → the checkpoint projections it concatenates (rows in this order). */
const FUSED: Readonly<Record<string, readonly string[]>> = {
  qkv_fused: ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"],
  o_proj: ["self_attn.o_proj"],
  gate_up_fused: ["mlp.gate_proj", "mlp.up_proj"],
  down_proj: ["mlp.down_proj"],
};

export interface ProfileWeights {
  /** What one decode step runs: op name → one projection per layer. */
  readonly stepOps: ReadonlyMap<string, Projection[]>;
  /** The fused groups' members alone (views), for comparison. */
  readonly parts: ReadonlyMap<string, Projection[]>;
  readonly head: TokenEmbedding;
}

export function tensorsOf(o: object): Tensor[] {
  return Object.values(o).filter((v): v is Tensor => v instanceof mx.array);
}

function rowsOf(p: Projection, start: number, end: number): Projection {
  const rows = (t: Tensor) => t.index(mx.Slice(start, end));
  if (p instanceof QuantizedLinear) return new QuantizedLinear(rows(p.weight), rows(p.scales), rows(p.biases), p.quantization);
  return new Linear(rows((p as Linear).weight));
}

export async function loadProfileWeights(dir: string, c: Qwen3Config, bits: 4 | 8 | undefined): Promise<ProfileWeights> {
  const raw = loadCheckpoint(CheckpointIndex.fromFiles(findWeightFiles(dir)));
  const take = (name: string): Tensor => {
    const t = castFloating(raw[name]!, mx.float32);
    delete raw[name];
    return t;
  };
  const stepOps = new Map<string, Projection[]>(Object.keys(FUSED).map((op) => [op, []]));
  const parts = new Map<string, Projection[]>();
  for (let i = 0; i < c.num_hidden_layers; i++) {
    for (const [op, members] of Object.entries(FUSED)) {
      const weights = members.map((m) => take(`model.layers.${i}.${m}.weight`));
      const fused = weights.length > 1 ? mx.concatenate(weights, 0) : weights[0]!;
      const layer: Projection = bits ? QuantizedLinear.fromFloat(fused, { groupSize: GROUP_SIZE, bits }) : new Linear(fused);
      mx.eval(...tensorsOf(layer));
      stepOps.get(op)!.push(layer);
      if (members.length === 1) continue;
      let start = 0;
      for (const [j, m] of members.entries()) {
        const end = start + weights[j]!.shape[0]!;
        const name = m.split(".")[1]!;
        parts.set(name, [...(parts.get(name) ?? []), rowsOf(layer, start, end)]);
        start = end;
      }
    }
    await releaseMemory();
  }
  const embedding = take("model.embed_tokens.weight");
  const head: TokenEmbedding = bits ? QuantizedEmbedding.fromFloat(embedding, { groupSize: GROUP_SIZE, bits }) : new Embedding(embedding);
  mx.eval(...tensorsOf(head));
  await releaseMemory();
  return { stepOps, parts, head };
}
