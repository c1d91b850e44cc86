import { describe, expect, test } from "bun:test";
import { comparableSamples, comparePeer, pool, pooledRow } from "../../../scripts/bench/interleave";
import { isQuantizedCopy, quantizeBitsOf, quantizedSource } from "../../../scripts/bench/models";
import { parseOptions } from "../../../scripts/bench/options";
import { peerVenvDir } from "../../../scripts/bench/peer-venv";
import { oursSkippedFor, planRows } from "../../../scripts/bench/plan";
import type { RowResult } from "../../../scripts/bench/tasks";
import { allowSlowTests } from "../../helpers/timeout";

allowSlowTests();

const decode = (samples: number[]): RowResult => ({ name: "decode", model: "qwen3-0.6b", weights: "float32", samples, ms_per_token_median: NaN });

describe("interleaved rounds", () => {
  test("pooling keeps every run of both rounds and each round's median", () => {
    const pooled = pool([decode([100, 110]), decode([130, 150])]);
    expect(pooled.samples).toEqual([100, 110, 130, 150]);
    expect(pooled.median).toBe(120);
    expect(pooled.min).toBe(100);
    expect(pooled.round_medians).toEqual([105, 140]);
  });

  test("a pooled decode row carries the pooled median and the rate derived from it", () => {
    const row = pooledRow([decode([100, 110]), decode([130, 150])]);
    expect(row.ms_per_token_median).toBe(120);
    expect(row.ms_per_token_min).toBe(100);
    expect(row.tokens_per_s).toBeCloseTo(1000 / 120, 10);
    expect(row.round_medians).toEqual([105, 140]);
  });

  test("ours end to end is compared without its front end", () => {
    const ours: RowResult = { name: "end_to_end", model: "x", weights: "float32", samples: [10.5, 11.5], samples_after_frontend: [10, 11] };
    expect(comparableSamples(ours)).toEqual([10, 11]);
  });

  test("the ratio is ours ÷ the peer's, overall and per round", () => {
    const c = comparePeer("peer", [decode([100, 100]), decode([200, 200])], [decode([50, 50]), decode([400, 400])]);
    expect(c.median).toBe(225);
    expect(c.ratio).toBeCloseTo(150 / 225, 10);
    expect(c.round_ratios).toEqual([2, 0.5]);
  });
});

describe("rows of families not there yet", () => {
  test("our side is skipped, with the reason, until the family is registered and the bench has a runner", () => {
    expect(oursSkippedFor("qwen3-asr-0.6b", () => false)).toBe('family "qwen3-asr" is not registered yet');
    expect(oursSkippedFor("glm-asr-nano", () => true)).toContain("no runner for it yet");
    expect(oursSkippedFor("funasr-qwen4b", () => true)).toBeNull();
  });

  test("every family has an end-to-end row; only transformers covers the new ones", () => {
    const rows = planRows(parseOptions(["--only", "end_to_end"]));
    expect(rows.map((r) => r.model)).toEqual(["funasr-qwen4b", "fun-asr-nano", "qwen3-asr-0.6b", "qwen3-asr-1.7b", "glm-asr-nano"]);
    expect(rows.find((r) => r.model === "glm-asr-nano")!.peers).toEqual(["transformers"]);
    expect(rows.find((r) => r.model === "funasr-qwen4b")!.peers).toEqual(["transformers", "torch", "torch_old"]);
    expect(rows.find((r) => r.model === "fun-asr-nano")!.needs).toEqual(["sensevoice-encoder", "nano-adaptor", "qwen3-0.6b"]);
  });

  test("--only takes a family's end-to-end row and names the choices on a typo", () => {
    expect(planRows(parseOptions(["--only", "end_to_end/qwen3-asr-1.7b"])).map((r) => r.model)).toEqual(["qwen3-asr-1.7b"]);
    expect(() => parseOptions(["--only", "end_to_end/qwen3-asr"])).toThrow(/qwen3-asr-0\.6b/);
  });
});

describe("quantized decode rows", () => {
  test("read a copy quantized beforehand from the bf16 checkpoint, written after it", () => {
    const rows = planRows(parseOptions(["--only", "decode/qwen3-4b"]));
    expect(rows.map((r) => [r.weights, r.needs])).toEqual([
      ["float32", ["qwen3-4b"]],
      ["int8", ["qwen3-4b", "qwen3-4b-int8"]],
      ["int4", ["qwen3-4b", "qwen3-4b-int4"]],
    ]);
  });

  test("a quantized copy names the decoder and bits it is made from", () => {
    expect(isQuantizedCopy("qwen3-0.6b-int4")).toBe(true);
    expect(isQuantizedCopy("qwen3-0.6b")).toBe(false);
    expect(quantizedSource("qwen3-0.6b-int4")).toEqual({ decoder: "qwen3-0.6b", kind: "int4" });
    expect(quantizeBitsOf(quantizedSource("qwen3-4b-int8").kind)).toBe(8);
  });
});

test("the peer venv lives under XDG_CACHE_HOME when it is an absolute path, else ~/.cache", () => {
  expect(peerVenvDir({ XDG_CACHE_HOME: "/var/cache/me" })).toBe("/var/cache/me/mlx-asr/bench-peer-venv");
  expect(peerVenvDir({ XDG_CACHE_HOME: "relative" })).toMatch(/\/\.cache\/mlx-asr\/bench-peer-venv$/);
});
