/** `mlx-asr transcribe` and `translate` through the real command line on the tiny model. */
import { parse } from "@plussub/srt-vtt-parser";
import { beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXIT_STATUS } from "../../src/errors";
import { longSpeech, SPEECH_EN, SPEECH_ZH, writeWav } from "../helpers/audio";
import { runCli } from "../helpers/cli";
import { tinyModel } from "../helpers/tiny-model";
import { allowSlowTests, SLOW_TEST_MS } from "../helpers/timeout";

allowSlowTests();

let model: string;
let nano: string;
const dir = mkdtempSync(join(tmpdir(), "mlx-asr-cli-"));
let longWav: string;

beforeAll(async () => {
  model = await tinyModel("funasr-qwen4b");
  nano = await tinyModel("fun-asr-nano");
  longWav = writeWav(join(dir, "long.wav"), longSpeech(12));
}, SLOW_TEST_MS);

function transcribe(args: string[]) {
  const r = runCli(["transcribe", "--model", model, ...args]);
  if (r.status !== 0) throw new Error(`exit ${r.status}${r.signal ? ` (${r.signal})` : ""}: ${r.stderr}`);
  return r;
}

describe("formats", () => {
  test("verbose_json names no language the model was not told and cannot report", () => {
    const v = JSON.parse(transcribe([SPEECH_ZH, "--format", "verbose_json"]).stdout);
    expect(v.language).toBeNull();
  });

  test("txt (default) is the text; json its OpenAI shape; both agree", () => {
    const txt = transcribe([SPEECH_ZH]).stdout;
    const json = JSON.parse(transcribe([SPEECH_ZH, "--format", "json"]).stdout);
    expect(txt).toBe(`${json.text}\n`);
  });

  test("verbose_json: task, language, duration, text and segments", () => {
    const v = JSON.parse(transcribe([longWav, "--format", "verbose_json", "--language", "zh"]).stdout);
    expect(v.task).toBe("transcribe");
    expect(v.language).toBe("chinese");
    expect(v.duration).toBeCloseTo((12 * (55692 + 16000)) / 16000, 3);
    expect(v.segments.length).toBeGreaterThan(0);
    for (const [i, s] of v.segments.entries()) {
      expect(s.id).toBe(i);
      expect(Object.keys(s).sort()).toEqual(["avg_logprob", "compression_ratio", "end", "id", "no_speech_prob", "seek", "start", "temperature", "text", "tokens"]);
      // Scores of the model's own distribution: a log-probability below 0, a probability inside (0, 1).
      expect(s.avg_logprob).toBeLessThan(0);
      expect(s.no_speech_prob).toBeGreaterThan(0);
      expect(s.no_speech_prob).toBeLessThan(1);
    }
    // Different audio, different scores: never a constant.
    if (v.segments.length > 1) expect(new Set(v.segments.map((s: { avg_logprob: number }) => s.avg_logprob)).size).toBeGreaterThan(1);
  });

  test("srt and vtt parse back (independent parser) into the verbose_json segments", () => {
    const v = JSON.parse(transcribe([longWav, "--format", "verbose_json"]).stdout);
    for (const format of ["srt", "vtt"]) {
      const cues = parse(transcribe([longWav, "--format", format]).stdout).entries;
      expect(cues.length).toBe(v.segments.length);
      cues.forEach((cue, i) => {
        expect(cue.from).toBe(Math.round(v.segments[i].start * 1000));
        expect(cue.to).toBe(Math.round(v.segments[i].end * 1000));
        expect(cue.text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&")).toBe(v.segments[i].text);
      });
    }
  });

  test("--translate prints the transcript and its English translation; srt cues carry both", () => {
    const plain = transcribe([SPEECH_ZH]).stdout.trim();
    const both = transcribe([SPEECH_ZH, "--translate"]).stdout;
    expect(both.startsWith(plain)).toBe(true);
    const json = JSON.parse(transcribe([SPEECH_ZH, "--translate", "--format", "json"]).stdout);
    expect(json.translation.language).toBe("en");
  });
});

test("--output writes one file per input with the format's extension, atomically", () => {
  const out = join(dir, "out");
  const r = transcribe([SPEECH_ZH, SPEECH_EN, "--format", "srt", "--output", out]);
  expect(readdirSync(out).sort()).toEqual(["en_16k.srt", "zh_16k.srt"]);
  expect(r.stderr).toContain(join(out, "zh_16k.srt"));
  expect(readFileSync(join(out, "zh_16k.srt"), "utf8").trimEnd()).toBe(transcribe([SPEECH_ZH, "--format", "srt"]).stdout.trimEnd());
  expect(readdirSync(out).some((f) => f.includes("partial"))).toBe(false);
});

test("--output: inputs with the same file name in different folders get a result each, none overwritten", () => {
  const out = join(dir, "collide");
  for (const [folder, source] of [["c1", SPEECH_ZH], ["c2", SPEECH_EN]] as const) {
    mkdirSync(join(dir, folder), { recursive: true });
    copyFileSync(source, join(dir, folder, "x.wav"));
  }
  const r = transcribe([join(dir, "c1", "x.wav"), join(dir, "c2", "x.wav"), "--output", out]);
  expect(readdirSync(out, { recursive: true }).map(String).sort()).toEqual(["c1", "c1/x.txt", "c2", "c2/x.txt"]);
  expect(r.stderr).toContain(join(out, "c1", "x.txt"));
  expect(readFileSync(join(out, "c1", "x.txt"), "utf8")).toBe(transcribe([SPEECH_ZH]).stdout);
  expect(readFileSync(join(out, "c2", "x.txt"), "utf8")).toBe(transcribe([SPEECH_EN]).stdout);
});

describe("several files", () => {
  test("a missing and a broken file are reported, the others still transcribed; exit 10", () => {
    const broken = join(dir, "broken.wav");
    writeFileSync(broken, "RIFF\u0000\u0000\u0000\u0000WAVEnot really");
    const missing = join(dir, "missing.wav");
    const r = runCli(["transcribe", "--model", model, SPEECH_ZH, missing, broken, SPEECH_EN]);
    expect(r.status).toBe(EXIT_STATUS.batch_incomplete);
    const zh = transcribe([SPEECH_ZH]).stdout;
    const en = transcribe([SPEECH_EN]).stdout;
    expect(r.stdout).toBe(`==> ${SPEECH_ZH} <==\n${zh}==> ${SPEECH_EN} <==\n${en}`);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toStartWith(`mlx-asr: error[AUDIO_NOT_FOUND]: ${missing}`);
    expect(lines[1]).toMatch(new RegExp(`^mlx-asr: error\\[AUDIO_\\w+\\]: ${broken}: `));
    expect(lines[2]).toBe(`transcribe: 2 of 4 files failed: ${missing}, ${broken}`);
  });

  test("-f json and verbose_json to stdout are JSON Lines: one object per file, with its file", () => {
    for (const format of ["json", "verbose_json"]) {
      const r = transcribe([SPEECH_ZH, SPEECH_EN, "--format", format]);
      const records = r.stdout.trimEnd().split("\n").map((line) => JSON.parse(line));
      expect(records.map((x) => x.file)).toEqual([SPEECH_ZH, SPEECH_EN]);
      for (const [i, file] of [SPEECH_ZH, SPEECH_EN].entries()) {
        const { file: _, ...rest } = records[i];
        expect(rest).toEqual(JSON.parse(transcribe([file, "--format", format]).stdout));
      }
    }
  });
});

test("--stream -f srt streams the text, then writes the subtitles once the file is done", () => {
  const plain = transcribe([SPEECH_ZH]).stdout;
  const srt = transcribe([SPEECH_ZH, "--format", "srt"]).stdout;
  expect(transcribe([SPEECH_ZH, "--stream", "--format", "srt"]).stdout).toBe(`${plain}${srt}`);
});

test("--stream prints the text as it is decoded: the same text as without", () => {
  const streamed = transcribe([longWav, "--stream"]).stdout;
  expect(streamed).toBe(transcribe([longWav]).stdout);
});

test("Nano: --hotwords and --language are accepted; Qwen4B warns that hot words are ignored", () => {
  const r = runCli(["transcribe", "--model", nano, SPEECH_EN, "--hotwords", "MLX,Qwen", "--language", "en"]);
  expect(r.status).toBe(0);
  expect(r.stderr).toBe("");
  const w = transcribe([SPEECH_ZH, "--hotwords", "MLX"]);
  expect(w.stderr).toContain("warning: hot words are ignored: funasr-qwen4b has no hot-word prompt");
});

test("translate <text> prints English; - reads standard input", () => {
  const r = runCli(["translate", "--model", model, "今天", "天气很好"]);
  expect(r.status).toBe(0);
  expect(r.stdout.endsWith("\n")).toBe(true);
  const fromStdin = runCli(["translate", "--model", model, "-"], {}, "今天 天气很好\n");
  expect(fromStdin.stdout).toBe(r.stdout);
});

describe("errors: one line, distinct exit status", () => {
  test("no weights for the default model: where to get them, exit 6", () => {
    const r = runCli(["transcribe", SPEECH_ZH], { MLX_ASR_MODELS: join(dir, "no-models"), MLX_ASR_CACHE: join(dir, "no-cache"), MLX_ASR_ASSUME_YES: undefined });
    expect(r.status).toBe(EXIT_STATUS.model_not_found);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("download it with: bun run mlx-asr download funasr-qwen4b");
  });

  test("an uncached hub id without a terminal: the download command to run", () => {
    const r = runCli(["transcribe", "--model", "some-org/some-model", SPEECH_ZH], { HF_HUB_CACHE: join(dir, "empty-cache") });
    expect(r.status).toBe(EXIT_STATUS.model_not_found);
    expect(r.stderr).toContain("bun run mlx-asr download some-org/some-model");
  });

  test("bad arguments exit 2; bad audio exits 3 and writes nothing", () => {
    expect(runCli(["transcribe", "--model", model]).status).toBe(EXIT_STATUS.usage);
    expect(runCli(["transcribe", "--model", model, "--format", "docx", SPEECH_ZH]).status).toBe(EXIT_STATUS.usage);
    expect(runCli(["transcribe", "--model", model, "--quantize", "3", SPEECH_ZH]).status).toBe(EXIT_STATUS.usage);
    expect(runCli(["transcribe", "--model", model, "--language", "fr", SPEECH_ZH]).status).toBe(EXIT_STATUS.usage);
    const out = join(dir, "never");
    const r = runCli(["transcribe", "--model", model, "--output", out, join(dir, "missing.wav")]);
    expect(r.status).toBe(EXIT_STATUS.audio);
    expect(existsSync(out)).toBe(false);
  });

  test("--segment-seconds below 2 s is a usage error, before any model is loaded", () => {
    for (const value of ["0.1", "0.5", "1.99", "abc"]) {
      const r = runCli(["transcribe", "--model", model, "--segment-seconds", value, SPEECH_ZH]);
      expect(r.status).toBe(EXIT_STATUS.usage);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain("--segment-seconds");
      expect(r.stderr).toMatch(value === "abc" ? /must be a number/ : /must be at least 2 s/);
    }
    expect(transcribe([SPEECH_ZH, "--segment-seconds", "2"]).stdout.length).toBeGreaterThan(0);
  });

  test("--max-seconds refuses longer audio", () => {
    const r = runCli(["transcribe", "--model", model, "--max-seconds", "10", longWav]);
    expect(r.status).toBe(EXIT_STATUS.audio);
    expect(r.stderr).toContain("over the limit of 10 s");
  });
});
