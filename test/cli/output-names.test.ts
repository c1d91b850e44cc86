/** Result names: one per input, never shared (even case-insensitively), fixed before any work. */
import { expect, test } from "bun:test";
import { planResultNames } from "../../src/cli/output-names";
import { pick, randomInt, seededRandom } from "../helpers/seeded-random";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

test("distinct names keep just their stem", () => {
  expect(planResultNames(["a/zh.wav", "b/en.flac"], ".txt")).toEqual(["zh.txt", "en.txt"]);
});

test("inputs that share a stem keep their extension; the others are untouched", () => {
  expect(planResultNames(["rec/talk.wav", "rec/talk.flac", "rec/intro.wav"], ".srt")).toEqual(["talk.wav.srt", "talk.flac.srt", "intro.srt"]);
});

test("inputs that share a file name mirror their folders below the folder they share", () => {
  expect(planResultNames(["/data/c1/x.wav", "/data/c2/x.wav", "/data/y.wav"], ".txt")).toEqual(["c1/x.txt", "c2/x.txt", "y.txt"]);
});

test("names differing only in case count as the same (macOS, Windows)", () => {
  const names = planResultNames(["rec/Talk.wav", "rec/talk.wav"], ".txt");
  expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(2);
});

test("batch folders: only inputs in the same result folder compete", () => {
  expect(planResultNames(["r/a/t.wav", "r/a/t.flac", "r/b/t.wav"], ".json", (p) => p.split("/")[1]!)).toEqual(["a/t.wav.json", "a/t.flac.json", "b/t.json"]);
});

test("property: any inputs get names unique case-insensitively, each with the format's extension", () => {
  const random = seededRandom(3);
  const folders = ["/a", "/a/b", "/A", "/c/d", "/a/B"];
  const stems = ["x", "X", "x.1", "talk", "x.wav", "Talk"];
  const extensions = [".wav", ".WAV", ".flac", ".mp3"];
  for (let run = 0; run < 300; run++) {
    const inputs = Array.from({ length: randomInt(random, 1, 12) }, () => `${pick(random, folders)}/${pick(random, stems)}${pick(random, extensions)}`);
    const names = planResultNames(inputs, ".verbose.json");
    expect(names).toHaveLength(inputs.length);
    expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(inputs.length);
    for (const name of names) expect(name.endsWith(".verbose.json")).toBe(true);
  }
});
