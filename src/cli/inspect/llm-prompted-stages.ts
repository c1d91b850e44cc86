/**
 * `inspect` stages of LLM-prompted families: encoder, adaptor (the rows written
 * over the prompt's audio slots), and logits (prefill over a stored prompt, then
 * KV-cached greedy steps).
 */
import { z } from "zod";
import { readConfig } from "../../config";
import { ConfigError, UsageError } from "../../errors";
import { mx, type Tensor } from "../../engine/mlx";
import type { InspectAlias } from "../../families/family";
import type { AudioAdaptor, CausalLM } from "../../nn/parts";
import { greedyTrace } from "../../pipeline/generate";
import { injectAudio, spanOf } from "../../pipeline/injection";
import type { ModelParts } from "../../pipeline/model-parts";
import { encoderStage } from "./encoder-stage";
import { batched, batchOf, expectTensors, items } from "./stage-value";
import type { StageDefinition, StageOptions } from "./stages";

export const PromptFileSchema = z
  .object({
    input_ids: z.array(z.number().int().nonnegative()).min(1),
    audio_positions: z.array(z.number().int().nonnegative()).min(1).optional(),
    audio_span: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]).optional(),
    /** `[L]` or `[axes, L]` (multimodal RoPE) when positions are not simply 0..L−1; a text note means they are. */
    position_ids: z.union([z.array(z.number().int()), z.array(z.array(z.number().int())), z.string()]).optional(),
  })
  .refine((p) => p.audio_positions !== undefined || p.audio_span !== undefined, { message: "needs audio_positions or audio_span" });

/** Explicit positions when the prompt's are not plain 0..L−1 on every axis. */
function explicitPositions(ids: number[] | number[][] | string | undefined, length: number): Tensor | undefined {
  if (!ids || typeof ids === "string") return undefined;
  const rows = typeof ids[0] === "number" ? [ids as number[]] : (ids as number[][]);
  const plain = rows.every((row) => row.length === length && row.every((p, i) => p === i));
  return plain ? undefined : mx.array(rows.length === 1 ? rows[0]! : rows, mx.int32);
}

export function llmPromptedStages(parts: ModelParts, options: StageOptions, alias: InspectAlias | null): StageDefinition[] {
  const adaptor: StageDefinition = {
    name: "adaptor",
    previous: "encoder",
    tensor: alias ? alias.tensor : "adaptor_out",
    itemRank: 2,
    async run(input) {
      const value = expectTensors(input);
      const { data, lengths } = batchOf(value);
      const isBatch = value.lengths !== null;
      const out = (await parts.network<AudioAdaptor>("adaptor")).adapt(data, lengths);
      mx.eval(out.frames);
      if (!alias) return batched("adaptor", out.frames, out.lengths, isBatch, value.sources);
      const computed = out.computed ?? out;
      const extra: Record<string, Tensor> = { [alias.rowsTensor]: out.frames };
      if (isBatch) extra[`${alias.rowsTensor}_lengths`] = mx.array([...out.lengths], mx.int32);
      mx.eval(computed.frames);
      return batched("adaptor", computed.frames, computed.lengths, isBatch, value.sources, extra);
    },
  };
  const logits: StageDefinition = {
    name: "logits",
    previous: "adaptor",
    tensor: "prefill_logits",
    itemRank: 2,
    async run(input) {
      const value = expectTensors(input);
      if (value.lengths && value.lengths.length > 1) {
        throw new UsageError("BAD_ARGUMENTS", "inspect logits", "the logits stage takes one utterance (its prompt.json describes one)");
      }
      const promptFile = options.promptFile;
      if (!promptFile) throw new UsageError("BAD_ARGUMENTS", "inspect logits --prompt", "is required for the logits stage");
      const prompt = readConfig(promptFile, PromptFileSchema);
      const audio = items(value)[0]!;
      const span = prompt.audio_span ? { start: prompt.audio_span[0], end: prompt.audio_span[1] } : spanOf(prompt.audio_positions!, promptFile);
      if (span.end - span.start !== audio.shape[0]) {
        throw new ConfigError("PROMPT_MISMATCH", promptFile, `has ${span.end - span.start} audio slots but the adaptor gives ${audio.shape[0]} rows`);
      }
      const llm = await parts.network<CausalLM>("decoder");
      const embeds = injectAudio(llm, prompt.input_ids, span, audio);
      const positions = explicitPositions(prompt.position_ids, prompt.input_ids.length);
      const prefill = llm.forward(embeds, llm.newCache(), { allPositions: true, positions });
      mx.eval(prefill);
      const extra: Record<string, Tensor> = {};
      if (options.steps > 0) {
        const trace = await greedyTrace(llm, embeds, options.steps, positions);
        extra.step_logits = trace.stepLogits;
        extra.greedy_tokens = mx.array(trace.tokens, mx.int32);
      }
      return { kind: "tensors", stage: "logits", data: prefill, batchAxis: true, lengths: null, extra, sources: value.sources };
    },
  };
  return [encoderStage(parts), adaptor, logits];
}
