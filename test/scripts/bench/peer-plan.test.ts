import { describe, expect, test } from "bun:test";
import { comparableSamples, comparePeer, pool, pooledRow } from "../../../scripts/bench/interleave";
import { isQuantizedCopy, quantizeBitsOf, quantizedSource } from "../../../scripts/bench/models";
import { parseOptions, USAGE } from "../../../scripts/bench/options";
import { peerVenvDir } from "../../../scripts/bench/peer-venv";
import { planRows, promptShapeOf } from "../../../scripts/bench/plan";
import { standInPrompt } from "../../../scripts/bench/stand-in-prompt";
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

describe("end-to-end rows", () => {
  test("every family has one, run by our side; only transformers covers the families it writes the weights of", () => {
    const rows = planRows(parseOptions(["--only", "end_to_end"]));
    expect(rows.map((r) => r.model)).toEqual(["funasr-qwen4b", "fun-asr-nano", "qwen3-asr-0.6b", "qwen3-asr-1.7b", "glm-asr-nano"]);
    expect(rows.every((r) => r.oursSkipped === null)).toBe(true);
    expect(rows.find((r) => r.model === "glm-asr-nano")!.peers).toEqual(["transformers"]);
    expect(rows.find((r) => r.model === "funasr-qwen4b")!.peers).toEqual(["transformers", "torch", "torch_old"]);
    expect(rows.find((r) => r.model === "fun-asr-nano")!.needs).toEqual(["sensevoice-encoder", "nano-adaptor", "qwen3-0.6b"]);
    expect(rows.find((r) => r.model === "qwen3-asr-1.7b")!.needs).toEqual(["qwen3-asr-1.7b"]);
  });

  test("the prompt has the family's length, split where its audio goes", () => {
    expect(promptShapeOf("funasr-qwen4b")).toEqual({ before: 8, after: 9 });
    expect(promptShapeOf("fun-asr-nano")).toEqual({ before: 16, after: 7 });
    expect(promptShapeOf("qwen3-asr-0.6b")).toEqual({ before: 9, after: 6 });
    expect(promptShapeOf("qwen3-asr-1.7b")).toEqual({ before: 9, after: 6 });
    expect(promptShapeOf("glm-asr-nano")).toEqual({ before: 3, after: 15 });
    const task = planRows(parseOptions(["--only", "end_to_end/glm-asr-nano"]))[0]!.task;
    expect(task).toEqual({ kind: "end_to_end", model: "glm-asr-nano", tokens: 100, prompt: { before: 3, after: 15 } });
  });

  test("stand-in prompts put the audio slots after the text before it", () => {
    expect(standInPrompt({ before: 2, after: 3 }, 4)).toEqual({ ids: [100, 101, 0, 0, 0, 0, 200, 201, 202], audio: { start: 2, end: 6 } });
  });

  test("--only takes a family's end-to-end row and names the choices on a typo", () => {
    expect(planRows(parseOptions(["--only", "end_to_end/qwen3-asr-1.7b"])).map((r) => r.model)).toEqual(["qwen3-asr-1.7b"]);
    expect(() => parseOptions(["--only", "end_to_end/qwen3-asr"])).toThrow(/qwen3-asr-0\.6b/);
  });
});

describe("time to first token", () => {
  test("a row per end-to-end family, on the same weights and prompt, with the transformers peer", () => {
    const rows = planRows(parseOptions(["--only", "first_token"]));
    expect(rows.map((r) => r.model)).toEqual(["funasr-qwen4b", "fun-asr-nano", "qwen3-asr-0.6b", "qwen3-asr-1.7b", "glm-asr-nano"]);
    expect(rows.every((r) => r.peers.join() === "transformers")).toBe(true);
    expect(rows.find((r) => r.model === "glm-asr-nano")!.task).toEqual({ kind: "first_token", model: "glm-asr-nano", prompt: { before: 3, after: 15 } });
    expect(rows.find((r) => r.model === "funasr-qwen4b")!.needs).toEqual(["sensevoice-encoder", "qwen4b-adaptor", "qwen3-4b"]);
  });

  test("follows each family's end-to-end row, so a family's weights serve both in turn", () => {
    const rows = planRows(parseOptions(["--only", "end_to_end/fun-asr-nano,first_token/fun-asr-nano,end_to_end/glm-asr-nano,first_token/glm-asr-nano"]));
    expect(rows.map((r) => `${r.name}/${r.model}`)).toEqual(["end_to_end/fun-asr-nano", "first_token/fun-asr-nano", "end_to_end/glm-asr-nano", "first_token/glm-asr-nano"]);
  });
});

describe("live row", () => {
  test("Qwen3-ASR-0.6B over 60 s (20 s with --small), random weights in memory, no peer", () => {
    const [row, ...rest] = planRows(parseOptions(["--only", "live"]));
    expect(rest).toEqual([]);
    expect(row).toMatchObject({ name: "live", model: "qwen3-asr-0.6b", needs: [], peers: [], task: { kind: "live", model: "qwen3-asr-0.6b", seconds: 60 } });
    expect(planRows(parseOptions(["--only", "live", "--small"]))[0]!.task).toEqual({ kind: "live", model: "qwen3-asr-0.6b", seconds: 20 });
  });

  test("--only names its one model on a typo, and the usage lists every row", () => {
    expect(() => parseOptions(["--only", "live/qwen3-asr-1.7b"])).toThrow(/qwen3-asr-0\.6b/);
    for (const name of ["first_token", "live"]) expect(USAGE).toContain(name);
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
