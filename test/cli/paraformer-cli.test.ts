/**
 * paraformer-zh through the command line: `transcribe -f verbose_json` with a time
 * for every character, subtitles cut on them, batch, the memory report from the
 * released configuration, and the options it refuses (language, hot words,
 * translation of either kind, quantization), each in one line with exit status 2.
 */
import { afterAll, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../helpers/cli";
import { familyFile, familyUtterances } from "../helpers/family-fixtures";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

const MODEL = familyFile("paraformer-zh", "model");
const [zh, long] = ["zh_8k", "asr_example_5s"].map((id) => familyUtterances("paraformer-zh").find((u) => u.id === id)!);
const dir = mkdtempSync(join(tmpdir(), "mlx-asr-paraformer-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const result = (d: string) =>
  JSON.parse(readFileSync(join(d, "result.json"), "utf8")) as { funasr_result: { text: string }; funasr_result_pred_timestamp: { text: string; timestamp: [number, number][] } };

test("transcribe -f verbose_json: the text and OpenAI's words array with FunASR's character times", () => {
  const r = runCli(["transcribe", "--model", MODEL, zh!.wav!, "-f", "verbose_json"]);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  const json = JSON.parse(r.stdout) as { text: string; language: string; words: { word: string; start: number; end: number }[] };
  const expected = result(zh!.dir);
  expect(json.text).toBe(expected.funasr_result.text);
  expect(json.language).toBe("chinese");
  expect(json.words.map((w) => w.word)).toEqual(expected.funasr_result_pred_timestamp.text.split(" "));
  expect(json.words.map((w) => [w.start, w.end])).toEqual(expected.funasr_result_pred_timestamp.timestamp.map(([a, b]) => [a / 1000, b / 1000]));
});

test("batch -f vtt: a file per input, cues cut on the character times", () => {
  const input = join(dir, "in");
  mkdirSync(input);
  copyFileSync(zh!.wav!, join(input, "a.wav"));
  copyFileSync(long!.wav!, join(input, "b.wav"));
  const r = runCli(["batch", input, "--model", MODEL, "-f", "vtt", "--output", join(dir, "out")]);
  expect(r.status).toBe(0);
  const vtt = readFileSync(join(dir, "out", "b.vtt"), "utf8");
  const cues = vtt.split("\n").filter((line) => line.includes(" --> "));
  expect(cues.length).toBeGreaterThan(1);
  expect(cues[0]).toStartWith("00:00:00.090 --> ");
  expect(readFileSync(join(dir, "out", "a.vtt"), "utf8")).toContain(result(zh!.dir).funasr_result.text);
});

test("transcribe --memory from the released configuration, before any weights", () => {
  const r = runCli(["transcribe", "--memory", "--model", "paraformer-zh"], { MLX_ASR_MODELS: dir });
  expect(r.status).toBe(0);
  expect(r.stdout).toContain("Paraformer-zh");
  expect(r.stdout).toContain("encoder weights");
  expect(r.stdout).toContain("nar_decoder weights");
  expect(r.stdout).toContain("KV cache");
});

test.each([
  [["--language", "zh"], "UNSUPPORTED_LANGUAGE", "paraformer-zh takes no language option"],
  [["--hotwords", "阿里巴巴"], "UNSUPPORTED_HOTWORDS", "paraformer-zh has no hot-word input"],
  [["--translate"], "NO_LANGUAGE_MODEL", "has no language model, so it cannot translate"],
  [["--task", "translate"], "UNSUPPORTED_TASK", "cannot translate speech, and has no language model"],
])("transcribe %p is refused in one line", (args, code, reason) => {
  const r = runCli(["transcribe", "--model", MODEL, zh!.wav!, ...args]);
  expect(r.status).toBe(2);
  expect(r.stdout).toBe("");
  expect(r.stderr).toContain(`error[${code}]`);
  expect(r.stderr).toContain(reason);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
});

test("translate (text) is refused in one line", () => {
  const r = runCli(["translate", "--model", MODEL, "今天天气很好"]);
  expect(r.status).toBe(2);
  expect(r.stderr.trim()).toBe("mlx-asr: error[NO_LANGUAGE_MODEL]: paraformer-zh: has no language model, so it cannot translate or generate text");
});

test("quantize is refused: there is no language model to quantize", () => {
  const r = runCli(["quantize", MODEL, join(dir, "quantized"), "--bits", "4"]);
  expect(r.status).toBe(2);
  expect(r.stderr).toContain("error[NOTHING_TO_QUANTIZE]");
});
