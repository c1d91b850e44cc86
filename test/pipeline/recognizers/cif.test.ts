/**
 * The CIF recognizer through the library, on the reference fixtures' released
 * layout: FunASR's text, token ids and per-word times (`Paraformer.inference` with
 * and without `pred_timestamp`) for every utterance; the words of long audio on
 * the whole audio's clock; the same numbers from `model.pt` (converted once into
 * the cache, found there the second time) as from `model.safetensors`.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { compilationEnabled } from "../../../src/engine/compilation";
import { conversionCacheDir } from "../../../src/engine/cache-dir";
import { mx } from "../../../src/engine/mlx";
import { loadSafetensors } from "../../../src/engine/safetensors";
import { locateModelFiles } from "../../../src/pipeline/model-files";
import type { CifRecognizer } from "../../../src/pipeline/recognizers/cif";
import { Transcriber } from "../../../src/pipeline/transcriber";
import { familyFile, familyUtterances } from "../../helpers/family-fixtures";
import { allowSlowTests } from "../../helpers/timeout";

allowSlowTests();

interface FunasrResult {
  funasr_result: { text: string };
  funasr_result_pred_timestamp: { text: string; timestamp: [number, number][] };
  token_int: number[];
}

const MODEL = familyFile("paraformer-zh", "model");
const UTTERANCES = familyUtterances("paraformer-zh");
const result = (dir: string) => JSON.parse(readFileSync(join(dir, "result.json"), "utf8")) as FunasrResult;
const transcriber = await Transcriber.load(MODEL);

describe.each(UTTERANCES.map((u) => [u.id, u] as const))("%s", (_id, u) => {
  test("text, token ids and a time for every word as FunASR gives them", async () => {
    const expected = result(u.dir);
    const out = await transcriber.transcribe(u.wav!);
    expect(out.text).toBe(expected.funasr_result.text);
    expect(out.language).toBe("zh");
    expect(out.segments).toHaveLength(1);
    const [segment] = out.segments;
    expect(segment!.tokens).toEqual(expected.token_int);
    const timed = expected.funasr_result_pred_timestamp;
    expect(segment!.words!.map((w) => w.text)).toEqual(timed.text.split(" "));
    expect(segment!.words!.map((w) => [w.start, w.end])).toEqual(timed.timestamp.map(([a, b]) => [Math.max(0, a) / 1000, b / 1000]));
  });
});

test("long audio: each piece's words move to the whole audio's clock", async () => {
  const u = UTTERANCES.find((x) => x.id === "asr_example_5s")!;
  const out = await transcriber.transcribe(u.wav!, { segmentSeconds: 3 });
  expect(out.segments.length).toBeGreaterThan(1);
  for (const segment of out.segments) {
    expect(segment.words!.length).toBeGreaterThan(0);
    for (const word of segment.words!) {
      expect(word.start).toBeGreaterThanOrEqual(segment.start);
      expect(word.end).toBeLessThanOrEqual(segment.end + 0.1);
      expect(word.end).toBeGreaterThanOrEqual(word.start);
    }
  }
  const starts = out.segments.flatMap((s) => s.words!.map((w) => w.start));
  expect(starts).toEqual([...starts].sort((a, b) => a - b));
});

test("a single encoder frame fires no token: no decoder pass, empty text, no words", () => {
  const recognizer = transcriber.model.recognizer as CifRecognizer;
  const [decoding] = recognizer.decodeFrames(mx.random.normal([1, 1, 64], mx.float32, 0, 1, mx.random.key(5)), [1]);
  expect(decoding!.firing.tokenCount).toBe(0);
  expect(decoding!.best).toEqual([]);
  expect(recognizer.transcript(decoding!)).toEqual({ text: "", ids: [], words: [] });
});

test("no language model: text translation, generateText and transcribeAndTranslate refuse with one line before any work", async () => {
  expect(transcriber.model.text).toBeNull();
  for (const job of [() => transcriber.translate("你好"), () => transcriber.generateText("hi"), () => transcriber.transcribeAndTranslate(UTTERANCES[0]!.wav!)]) {
    await expect(job()).rejects.toMatchObject({ code: "NO_LANGUAGE_MODEL", message: "paraformer-zh: has no language model, so it cannot translate or generate text" });
  }
});

test("a verbatim reading keeps its text: the clean-ups for language-model output (here: a repetition) do not touch it", async () => {
  const repeated = "今天天气很好我们去公园散步吧".repeat(4);
  const withRecognizer = (verbatim: boolean) => {
    const recognizer = {
      features: transcriber.model.recognizer!.features,
      recognize: async () => ({ text: repeated, tokens: [], language: "zh", stop: "complete" as const, verbatim, timings: { frontendMs: 0, encoderMs: 0, prefillMs: 0, decodeMs: 0 } }),
    };
    const Ctor = Transcriber as unknown as new (model: unknown) => Transcriber;
    return new Ctor({ ...transcriber.model, recognizer });
  };
  const wav = UTTERANCES[0]!.wav!;
  expect((await withRecognizer(true).transcribe(wav)).text).toBe(repeated);
  expect((await withRecognizer(false).transcribe(wav)).text).toBe("今天天气很好我们去公园散步吧".repeat(2));
});

describe("model.pt instead of model.safetensors", () => {
  const root = mkdtempSync(join(tmpdir(), "mlx-asr-paraformer-pt-"));
  const release = join(root, "release");
  const saved = process.env.XDG_CACHE_HOME;
  afterAll(() => {
    if (saved === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = saved;
    rmSync(root, { recursive: true, force: true });
  });

  test("converted once into the cache, every tensor equal, the same transcripts", async () => {
    compilationEnabled(); // the kernel cache stays where it was; only conversions go to the test's cache
    process.env.XDG_CACHE_HOME = join(root, "cache");
    mkdirSync(release);
    for (const file of ["model.pt", "config.yaml", "am.mvn", "tokens.json"]) copyFileSync(join(MODEL, file), join(release, file));
    const located = locateModelFiles(release);
    const [converted] = located.encoder!.files;
    expect(converted!.startsWith(conversionCacheDir())).toBe(true);
    // One converted copy, and the stamp that remembers its source's sha256.
    expect(readdirSync(conversionCacheDir()).filter((f) => f.endsWith(".safetensors"))).toEqual([basename(converted!)]);
    expect(readdirSync(conversionCacheDir()).filter((f) => f.endsWith(".source.json"))).toHaveLength(1);
    const fromPt = loadSafetensors(converted!);
    const fromSafetensors = loadSafetensors(join(MODEL, "model.safetensors"));
    expect(Object.keys(fromPt).sort()).toEqual(Object.keys(fromSafetensors).sort());
    for (const [name, tensor] of Object.entries(fromSafetensors)) expect(mx.arrayEqual(fromPt[name]!, tensor).item()).toBe(true);
    // The second time the copy is found, not converted again.
    expect(locateModelFiles(release).encoder!.files).toEqual([converted!]);
    // One converted copy, and the stamp that remembers its source's sha256.
    expect(readdirSync(conversionCacheDir()).filter((f) => f.endsWith(".safetensors"))).toEqual([basename(converted!)]);
    expect(readdirSync(conversionCacheDir()).filter((f) => f.endsWith(".source.json"))).toHaveLength(1);

    const fromRelease = await Transcriber.load(release);
    for (const u of UTTERANCES.filter((x) => x.id === "zh_16k" || x.id === "en_16k")) {
      const a = await fromRelease.transcribe(u.wav!);
      const b = await transcriber.transcribe(u.wav!);
      expect(a.text).toBe(b.text);
      expect(a.segments[0]!.words).toEqual(b.segments[0]!.words!);
    }
    const recognizer = fromRelease.model.recognizer as CifRecognizer;
    expect(recognizer.tokens.size).toBe(300);
    expect(existsSync(join(release, "model.safetensors"))).toBe(false);
  });
});
