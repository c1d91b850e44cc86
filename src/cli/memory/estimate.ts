/**
 * What a model needs in memory, computed from configurations before loading
 * anything: weights (per backend: Metal keeps bf16 / packed codes with bf16 scales,
 * the CPU computes in float32; audio networks always float32), the KV cache for the
 * longest segment, and the peak activations of the largest step.
 */
import type { ComponentRole } from "../../families/family";
import type { LanguageModelSizes } from "../../nn/network";
import { KV_CACHE_STEP } from "../../nn/kv-cache";

export type MemoryBackend = "metal" | "cpu";
/** 32/16: float; 8/4: affine-quantized (group size 64). */
export type WeightBits = 32 | 16 | 8 | 4;

const GROUP_SIZE = 64;
const GB = 1e9;
/**
 * Usable by the GPU on a 16 GB Apple Silicon Mac: Metal's recommended working set
 * is about two thirds of RAM (≈ 10.7 GB on 16 GB machines), the rest stays with macOS.
 */
export const METAL_WORKING_SET_16GB = 10.7 * GB;

/**
 * A language model's weight bytes: a b-bit matrix weight costs b/8 bytes plus, per
 * group of 64, a scale and a bias in the float dtype (bf16 on Metal, float32 on the CPU).
 */
export function decoderWeightBytes<C>(sizes: LanguageModelSizes<C>, c: C, bits: WeightBits, backend: MemoryBackend): number {
  const { matrices, norms } = sizes.parameters(c);
  const floatBytes = backend === "cpu" ? 4 : bits === 32 ? 4 : 2;
  if (bits === 32 || bits === 16) return (matrices + norms) * (backend === "cpu" ? 4 : bits / 8);
  return matrices * (bits / 8 + (2 * floatBytes) / GROUP_SIZE) + norms * floatBytes;
}

/** An audio network's part in the estimate: float32 weights and the peak of its largest step. */
export interface AudioNetworkMemory {
  readonly role: ComponentRole;
  readonly parameters: number;
  /** Bytes of its largest step on the longest segment. */
  readonly peakBytes: number;
}

export interface MemoryInputs {
  readonly audio: readonly AudioNetworkMemory[];
  readonly decoder: { readonly sizes: LanguageModelSizes<unknown>; readonly config: unknown } | null;
  readonly decoderBits: WeightBits;
  /** Longest audio piece decoded at once. */
  readonly segmentSeconds: number;
  /** Audio rows the LLM receives for that piece. */
  readonly audioFrames: number;
  readonly promptTokens: number;
  readonly maxNewTokens: number;
}

export interface MemoryEstimate {
  readonly backend: MemoryBackend;
  readonly weights: Readonly<Record<ComponentRole, number>>;
  readonly kvCache: number;
  readonly activations: number;
  readonly total: number;
  /** Positions in the KV cache: prompt + audio + generated, rounded up to the cache's growth step. */
  readonly positions: number;
}

export function estimateMemory(m: MemoryInputs, backend: MemoryBackend): MemoryEstimate {
  const actBytes = backend === "cpu" || m.decoderBits === 32 ? 4 : 2;
  const weights: Record<ComponentRole, number> = { encoder: 0, adaptor: 0, decoder: 0, predictor: 0, nar_decoder: 0 };
  for (const a of m.audio) weights[a.role] += a.parameters * 4;
  const used = m.promptTokens + m.audioFrames + m.maxNewTokens;
  const positions = Math.ceil(used / KV_CACHE_STEP) * KV_CACHE_STEP;
  let kvCache = 0;
  let prefillPeak = 0;
  if (m.decoder) {
    const { sizes, config } = m.decoder;
    weights.decoder = decoderWeightBytes(sizes, config, m.decoderBits, backend);
    kvCache = sizes.kvValuesPerPosition(config) * positions * actBytes;
    // The decoder's prefill over the prompt, its attention scores materialized.
    const p = m.promptTokens + m.audioFrames;
    prefillPeak = actBytes * (p * sizes.prefillValuesPerPosition(config) + sizes.heads(config) * p * p) + 4 * sizes.vocabSize(config);
  }
  const activations = Math.max(prefillPeak, ...m.audio.map((a) => a.peakBytes));
  const total = Object.values(weights).reduce((a, b) => a + b, 0) + kvCache + activations;
  return { backend, weights, kvCache, activations, total, positions };
}

function gb(bytes: number): string {
  return `${(bytes / GB).toFixed(2)} GB`;
}

/** The report the command line prints. */
export function formatMemoryReport(title: string, inputs: MemoryInputs, estimates: readonly MemoryEstimate[]): string {
  const bitsLabel = inputs.decoderBits >= 16 ? "float" : `INT${inputs.decoderBits}`;
  const roles = [...inputs.audio.map((a) => a.role), ...(inputs.decoder ? (["decoder"] as const) : [])];
  const rows: [string, (e: MemoryEstimate) => number][] = [
    ...roles.map((role): [string, (e: MemoryEstimate) => number] => [`${role} weights`, (e) => e.weights[role]]),
    ["KV cache", (e) => e.kvCache],
    ["activations (peak step)", (e) => e.activations],
    ["total", (e) => e.total],
  ];
  const lines = [
    `memory needed by ${title}, decoder ${bitsLabel}, longest segment ${inputs.segmentSeconds} s (${inputs.audioFrames} audio frames, ${inputs.promptTokens} prompt tokens, up to ${inputs.maxNewTokens} new tokens)`,
    "",
    `${"".padEnd(26)}${estimates.map((e) => (e.backend === "metal" ? "Metal (bf16)" : "CPU (float32)").padStart(16)).join("")}`,
    ...rows.map(([label, pick]) => `${label.padEnd(26)}${estimates.map((e) => gb(pick(e)).padStart(16)).join("")}`),
    "",
  ];
  const metal = estimates.find((e) => e.backend === "metal");
  if (metal) {
    const verdict =
      metal.total <= METAL_WORKING_SET_16GB
        ? `fits a 16 GB Mac (Metal's working set there is about ${gb(METAL_WORKING_SET_16GB)})`
        : metal.total <= 16 * GB
          ? `over Metal's ~${gb(METAL_WORKING_SET_16GB)} working set of a 16 GB Mac: expect swapping; use --quantize 4`
          : "does not fit a 16 GB Mac; use --quantize 4 or a smaller model";
    lines.push(`16 GB Mac: ${verdict}.`);
  }
  return lines.join("\n");
}
