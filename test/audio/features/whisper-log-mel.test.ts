/**
 * Whisper log-mel against the Qwen3-ASR and GLM-ASR-Nano fixtures (transformers'
 * torch path), against transformers' numpy path for batching rules the fixtures do
 * not cover (test/fixtures/whisper-mel), and its behaviour on synthetic input.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { WhisperLogMel } from "../../../src/audio/features/whisper-log-mel";
import { loadAudio } from "../../../src/audio/load";
import { readJsonFile } from "../../../src/config";
import { mx, type Tensor } from "../../../src/engine/mlx";
import { loadSafetensors } from "../../../src/engine/safetensors";
import { AsrError } from "../../../src/errors";
import { difference } from "../../helpers/compare";
import { familyFile, familyStage, familyUtterances } from "../../helpers/family-fixtures";
import { FIXTURES } from "../../helpers/fixtures";
import { allowSlowTests } from "../../helpers/timeout";

allowSlowTests();

/** INTERFACE.md: features from the stored waveform / from the audio file. */
const FROM_WAVEFORM = 1e-4;
const FROM_AUDIO = 5e-3;

function preprocessorConfig(family: "qwen3-asr" | "glm-asr-nano"): Record<string, unknown> {
  return readJsonFile(familyFile(family, "model/preprocessor_config.json")) as Record<string, unknown>;
}

const qwen3Asr = WhisperLogMel.fromConfig({ ...preprocessorConfig("qwen3-asr"), padding: "longest", min_length: 8000 }, "qwen3-asr");
const glmAsr = WhisperLogMel.fromConfig({ ...preprocessorConfig("glm-asr-nano"), padding: "max_length" }, "glm-asr-nano");

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof AsrError) return e.code;
    throw e;
  }
  throw new Error("expected an error");
}

function sine(samples: number, hz: number, amplitude: number): Tensor {
  return mx.multiply(mx.sin(mx.multiply(mx.arange(samples, mx.float32), (2 * Math.PI * hz) / 16000)), amplitude);
}

describe.each(familyUtterances("qwen3-asr"))("Qwen3-ASR features: $id", (u) => {
  const stored = familyStage(u, "features").features!;

  test("from the stored waveform", () => {
    const { features, lengths } = qwen3Asr.extract([familyStage(u, "waveform").waveform!]);
    expect(features.shape).toEqual([1, ...stored.shape]);
    expect(lengths).toEqual([stored.shape[0]!]);
    expect(difference(features.index(0), stored).maxAbs).toBeLessThanOrEqual(FROM_WAVEFORM);
  });

  test.skipIf(u.wav === null)(`from the WAV (${u.wavEntry})`, () => {
    const { features } = qwen3Asr.extract([loadAudio(u.wav!).samples]);
    expect(difference(features.index(0), stored).maxAbs).toBeLessThanOrEqual(FROM_AUDIO);
  });
});

describe.each(familyUtterances("glm-asr-nano"))("GLM-ASR-Nano features: $id", (u) => {
  const stored = familyStage(u, "features");

  test("from the stored waveform, padding frames included", () => {
    const { features, lengths } = glmAsr.extract([familyStage(u, "waveform").waveform!]);
    expect(features.shape).toEqual([1, 3000, 128]);
    expect(lengths).toEqual(stored.lengths!.tolist() as number[]);
    expect(difference(features, stored.features!).maxAbs).toBeLessThanOrEqual(FROM_WAVEFORM);
  });

  test.skipIf(u.wav === null)(`from the WAV (${u.wavEntry})`, () => {
    const { features } = glmAsr.extract([loadAudio(u.wav!).samples]);
    expect(difference(features, stored.features!).maxAbs).toBeLessThanOrEqual(FROM_AUDIO);
  });
});

describe("batching as transformers batches (numpy-path reference)", () => {
  const reference = loadSafetensors(join(FIXTURES, "whisper-mel", "batch-reference.safetensors"));
  const waveOf = (id: string) => familyStage(familyUtterances("qwen3-asr").find((u) => u.id === id)!, "waveform").waveform!;
  const en = waveOf("en_16k");
  const zh = waveOf("zh_16k");

  test("padding to the longest: ⌈S/160⌉ frames for the shorter member, ⌊S/160⌋ for the longest", () => {
    const { features, lengths } = qwen3Asr.extract([en, zh.index(mx.Slice(0, 31900))]);
    expect(lengths).toEqual([309, 200]);
    expect(lengths).toEqual(reference.longest_lengths!.tolist() as number[]);
    expect(difference(features, reference.longest_features!).maxAbs).toBeLessThanOrEqual(FROM_WAVEFORM);
  });

  test("a clip under min_length is zero-padded to it and the padding counts as valid frames", () => {
    const { features, lengths } = qwen3Asr.extract([en.index(mx.Slice(0, 4000))]);
    expect(lengths).toEqual([50]);
    expect(qwen3Asr.frameCount(4000)).toBe(50);
    expect(difference(features, reference.min_length_features!).maxAbs).toBeLessThanOrEqual(FROM_WAVEFORM);
  });

  test("windows: each padded to the full window with its own maximum, laid end to end per member", () => {
    const twoSecondWindows = WhisperLogMel.fromConfig({ feature_size: 128, padding: "max_length", chunk_length: 2 }, "test");
    const { features, lengths } = twoSecondWindows.extract([en, zh.index(mx.Slice(0, 20000))]);
    expect(features.shape).toEqual([2, 400, 128]);
    const windowLengths = reference.windows_lengths!.tolist() as number[];
    expect(lengths).toEqual([windowLengths[0]! + windowLengths[1]!, windowLengths[2]!]);
    const windows = reference.windows_features!;
    expect(difference(features.index(0, mx.Slice(0, 200)), windows.index(0)).maxAbs).toBeLessThanOrEqual(FROM_WAVEFORM);
    expect(difference(features.index(0, mx.Slice(200, 400)), windows.index(1)).maxAbs).toBeLessThanOrEqual(FROM_WAVEFORM);
    expect(difference(features.index(1, mx.Slice(0, 200)), windows.index(2)).maxAbs).toBeLessThanOrEqual(FROM_WAVEFORM);
  });
});

describe("behaviour", () => {
  test("silence gives (log10(1e-10) + 4)/4 = −1.5 everywhere", () => {
    for (const extractor of [qwen3Asr, glmAsr]) {
      const { features } = extractor.extract([mx.zeros([16000])]);
      expect(Number(mx.min(features).item())).toBe(-1.5);
      expect(Number(mx.max(features).item())).toBe(-1.5);
    }
  });

  test("a loud tone floors every weaker value at the maximum − 8 (−2 after scaling)", () => {
    const { features } = qwen3Asr.extract([sine(16000, 1000, 0.5)]);
    const max = Number(mx.max(features).item());
    const min = Number(mx.min(features).item());
    expect(min).toBeCloseTo(max - 2, 5);
    // Far from 1 kHz the tone has no energy: most values sit on the floor.
    const floored = Number(mx.mean(mx.lessEqual(features, min + 1e-6)).item());
    expect(floored).toBeGreaterThan(0.5);
  });

  test("each member of a batch is its zero-padded waveform floored at its own maximum", () => {
    const loud = sine(32000, 440, 0.8);
    const quiet = sine(20000, 3000, 0.1);
    const { features, lengths } = qwen3Asr.extract([loud, quiet]);
    expect(lengths).toEqual([200, 125]);
    const floorOf = (member: number) => Number(mx.max(features.index(member)).item()) - 2;
    for (const member of [0, 1]) expect(Number(mx.min(features.index(member)).item())).toBeCloseTo(floorOf(member), 5);
    // A maximum shared across the batch would floor the quieter member higher.
    expect(floorOf(1)).toBeLessThan(floorOf(0) - 0.1);
    // Each row is what the member gives alone once zero-padded to the batch length.
    const quietPadded = qwen3Asr.extract([mx.pad(quiet, [[0, 12000]])]).features.index(0);
    expect(difference(features.index(1), quietPadded).maxAbs).toBeLessThanOrEqual(1e-6);
    expect(difference(features.index(0), qwen3Asr.extract([loud]).features.index(0)).maxAbs).toBeLessThanOrEqual(1e-6);
  });

  test("a recording longer than a window gets one 3000-frame window per 30 s, each as computed alone", () => {
    const audio = mx.concatenate([sine(480000, 300, 0.3), sine(80000, 2000, 0.01)]);
    const { features, lengths } = glmAsr.extract([audio]);
    expect(features.shape).toEqual([1, 6000, 128]);
    expect(lengths).toEqual([3500]);
    expect(glmAsr.frameCount(560000)).toBe(3500);
    const first = glmAsr.extract([audio.index(mx.Slice(0, 480000))]).features;
    const second = glmAsr.extract([audio.index(mx.Slice(480000))]).features;
    expect(difference(features.index(mx.Slice(), mx.Slice(0, 3000)), first).maxAbs).toBeLessThanOrEqual(1e-6);
    expect(difference(features.index(mx.Slice(), mx.Slice(3000, 6000)), second).maxAbs).toBeLessThanOrEqual(1e-6);
  });

  test("frameCount agrees with extract", () => {
    for (const samples of [201, 4000, 8000, 8159, 8160, 31900, 49459]) {
      const lone = qwen3Asr.extract([mx.zeros([samples])]);
      expect(lone.lengths).toEqual([qwen3Asr.frameCount(samples)]);
      expect(lone.features.shape[1]).toBe(qwen3Asr.frameCount(samples));
    }
    for (const samples of [1, 159, 161, 31900, 480000, 480001]) {
      expect(glmAsr.extract([mx.zeros([samples])]).lengths).toEqual([glmAsr.frameCount(samples)]);
    }
    expect(glmAsr.frameCount(31900)).toBe(200);
    expect(glmAsr.frameCount(480000)).toBe(3000);
    expect(glmAsr.frameCount(480001)).toBe(3001);
  });

  test("unusable waveforms are refused with an audio error", () => {
    expect(codeOf(() => qwen3Asr.extract([mx.zeros([0])]))).toBe("AUDIO_EMPTY");
    expect(codeOf(() => qwen3Asr.extract([mx.zeros([2, 16000])]))).toBe("AUDIO_BAD_SHAPE");
    const noMinimum = WhisperLogMel.fromConfig({ feature_size: 80, padding: "longest" }, "test");
    expect(codeOf(() => noMinimum.extract([mx.zeros([200])], ["clip.wav"]))).toBe("AUDIO_TOO_SHORT");
    expect(noMinimum.extract([mx.zeros([201])]).features.shape).toEqual([1, 1, 80]);
  });

  test("configurations the recipe does not implement are refused, naming the field", () => {
    for (const [field, value] of [
      ["feature_size", 64],
      ["n_fft", 512],
      ["dither", 0.1],
      ["padding", "do_not_pad"],
    ] as const) {
      try {
        WhisperLogMel.fromConfig({ feature_size: 128, padding: "longest", [field]: value }, "preprocessor_config.json");
        throw new Error(`${field} = ${value} was accepted`);
      } catch (e) {
        expect((e as AsrError).code).toBe("CONFIG_INVALID");
        expect((e as Error).message).toContain(`preprocessor_config.json: field "${field}"`);
      }
    }
  });
});
