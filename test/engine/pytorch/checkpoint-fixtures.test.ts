/**
 * The PyTorch checkpoint fixtures (made by torch 2.13 and 1.13): every loadable
 * file reads to its expected tensors bit for bit, directly and through the
 * safetensors conversion (which the engine then loads); the malicious ones are
 * refused naming the global, run nothing and write nothing; the truncated one
 * gives a one-line typed error naming the file.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TorchCheckpoint } from "../../../src/engine/pytorch/checkpoint";
import { checkpointTensors, convertCheckpoint } from "../../../src/engine/pytorch/convert";
import { readTensorBytes } from "../../../src/engine/pytorch/tensor-bytes";
import { loadSafetensors } from "../../../src/engine/safetensors";
import { mx } from "../../../src/engine/mlx";
import { EXIT_STATUS, ModelFileError } from "../../../src/errors";
import { runCli } from "../../helpers/cli";
import { FIXTURES } from "../../helpers/fixtures";
import { readRawSafetensors, widenToFloat32, type RawTensor } from "../../helpers/safetensors-raw";
import { allowSlowTests } from "../../helpers/timeout";

allowSlowTests();

const DIR = join(FIXTURES, "pytorch-checkpoints");
const PWNED = "/tmp/mlx-asr-pickle-pwned";

interface ManifestEntry {
  name: string;
  file: string;
  expected?: string;
  refuse: boolean;
}

const MANIFEST = (JSON.parse(readFileSync(join(DIR, "manifest.json"), "utf8")) as { files: ManifestEntry[] }).files;
const LOADABLE = MANIFEST.filter((f) => !f.refuse);
const out = mkdtempSync(join(tmpdir(), "mlx-asr-pt-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** The fixtures write float16/bfloat16 widened to float32, and a 0-d tensor as shape [1]. */
function asExpected(t: RawTensor): RawTensor {
  const widened = t.dtype === "F16" || t.dtype === "BF16" ? { dtype: "F32", bytes: widenToFloat32(t.dtype, t.bytes) } : { dtype: t.dtype, bytes: t.bytes };
  return { ...widened, shape: t.shape.length === 0 ? [1] : t.shape };
}

function expectSameTensors(actual: Map<string, RawTensor>, expectedFile: string): void {
  const expected = readRawSafetensors(join(DIR, expectedFile)).tensors;
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [name, want] of expected) {
    const got = asExpected(actual.get(name)!);
    expect({ name, dtype: got.dtype, shape: got.shape }).toEqual({ name, dtype: want.dtype, shape: want.shape });
    expect(Buffer.from(got.bytes).equals(Buffer.from(want.bytes))).toBe(true);
  }
}

test("the manifest lists loadable and refused files, and the fixtures are here", () => {
  expect(LOADABLE.map((f) => f.name).sort()).toEqual(["legacy_format", "many_records", "plain_state_dict", "shared_storage_views", "wrapped_checkpoint"]);
  for (const f of MANIFEST) expect(existsSync(join(DIR, f.file))).toBe(true);
});

describe.each(LOADABLE)("$name", ({ name, file, expected }) => {
  test("reads to the expected tensors, bit for bit", () => {
    const checkpoint = TorchCheckpoint.open(join(DIR, file));
    try {
      const tensors = new Map<string, RawTensor>();
      for (const { name: tensorName, tensor } of checkpointTensors(checkpoint)) {
        tensors.set(tensorName, { dtype: tensor.dtype.safetensors, shape: tensor.shape, bytes: readTensorBytes(checkpoint, tensor) });
      }
      expectSameTensors(tensors, expected!);
    } finally {
      checkpoint.close();
    }
  });

  test("converts to safetensors that keep the stored dtypes and that the engine loads", () => {
    const target = join(out, `${name}.safetensors`);
    convertCheckpoint(join(DIR, file), target);
    const { tensors, metadata } = readRawSafetensors(target);
    expect(metadata).toEqual({ format: "pt", source: file });
    expectSameTensors(tensors, expected!);
    const loaded = loadSafetensors(target);
    for (const [tensorName, raw] of tensors) {
      const tensor = loaded[tensorName]!;
      expect(tensor.shape).toEqual([...raw.shape]);
      if (raw.dtype === "I64") continue;
      const f32 = asExpected(raw).bytes;
      const want = Array.from(new Float32Array(f32.buffer, f32.byteOffset, f32.length / 4));
      expect(tensor.astype(mx.float32).reshape([-1]).tolist()).toEqual(want);
    }
  });
});

test("legacy_format is read as the legacy format and the others as ZIP", () => {
  for (const { name, file } of LOADABLE) {
    const checkpoint = TorchCheckpoint.open(join(DIR, file));
    expect([name, checkpoint.format]).toEqual([name, name === "legacy_format" ? "legacy" : "zip"]);
    checkpoint.close();
  }
});

test("shared_storage_views keeps views of one storage apart: offsets, transposes, strides, 0-d and empty", () => {
  const checkpoint = TorchCheckpoint.open(join(DIR, "shared_storage_views.pt"));
  const byName = new Map(checkpointTensors(checkpoint).map((t) => [t.name, t.tensor]));
  checkpoint.close();
  expect(byName.get("transposed")!.stride).toEqual([1, 10]);
  expect(byName.get("rows_2_to_4")!.offset).toBe(20);
  expect(byName.get("scalar_f32")!.shape).toEqual([]);
  expect(byName.get("empty")!.shape).toEqual([0, 5]);
  expect(byName.get("whole")!.storage).toBe(byName.get("transposed")!.storage);
});

test("wrapped_checkpoint: --key state_dict names the tensors relative to it", () => {
  const checkpoint = TorchCheckpoint.open(join(DIR, "wrapped_checkpoint.pt"));
  expect(checkpointTensors(checkpoint, "state_dict").map((t) => t.name)).toEqual(["audio_encoder.after_norm.weight", "llm.lm_head.weight"]);
  expect(() => checkpointTensors(checkpoint, "model")).toThrow(/CHECKPOINT_KEY_MISSING|has no key "model"; its keys include "state_dict"/);
  checkpoint.close();
});

describe.each(["malicious_reduce", "malicious_eval"])("%s", (name) => {
  const global = name === "malicious_reduce" ? "posix.system" : "__builtin__.eval";
  const file = join(DIR, `${name}.pt`);

  test("is refused naming the global and the file; nothing runs and nothing is written", () => {
    const target = join(out, `${name}.safetensors`);
    let error: unknown;
    try {
      convertCheckpoint(file, target);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ModelFileError);
    expect((error as ModelFileError).code).toBe("PICKLE_GLOBAL_REFUSED");
    expect((error as ModelFileError).message).toContain(file);
    expect((error as ModelFileError).message).toContain(`"${global}"`);
    expect(existsSync(PWNED)).toBe(false);
    expect(readdirSync(out).filter((f) => f.startsWith(name))).toEqual([]);
  });

  test("through the command line: one line, the model-files exit status, no output file", () => {
    const target = join(out, `${name}.cli.safetensors`);
    const r = runCli(["convert", file, target]);
    expect(r.status).toBe(EXIT_STATUS.model_files);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("error[PICKLE_GLOBAL_REFUSED]");
    expect(r.stderr).toContain(global);
    expect(existsSync(PWNED)).toBe(false);
    expect(readdirSync(out).filter((f) => f.startsWith(`${name}.cli`))).toEqual([]);
  });
});

test("truncated.pt: a one-line typed error naming the file, from the library and the command line", () => {
  const file = join(DIR, "truncated.pt");
  expect(() => TorchCheckpoint.open(file)).toThrow(ModelFileError);
  try {
    TorchCheckpoint.open(file);
  } catch (e) {
    expect((e as ModelFileError).code).toBe("CHECKPOINT_TRUNCATED");
    expect((e as ModelFileError).oneLine()).toContain(file);
    expect((e as ModelFileError).oneLine()).not.toContain("\n");
  }
  const r = runCli(["convert", file, join(out, "truncated.safetensors")]);
  expect(r.status).toBe(EXIT_STATUS.model_files);
  expect(r.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^mlx-asr: error\[CHECKPOINT_TRUNCATED\]: .*truncated\.pt: .*truncated/)]);
  expect(existsSync(join(out, "truncated.safetensors"))).toBe(false);
});

test("the command line converts a fixture and prints the output path", () => {
  const target = join(out, "cli-wrapped.safetensors");
  const r = runCli(["convert", join(DIR, "wrapped_checkpoint.pt"), target, "--key", "state_dict"]);
  expect(r.status).toBe(0);
  expect(r.stdout.trim()).toBe(target);
  expect([...readRawSafetensors(target).tensors.keys()]).toEqual(["audio_encoder.after_norm.weight", "llm.lm_head.weight"]);
  expect(readRawSafetensors(target).tensors.get("llm.lm_head.weight")!.dtype).toBe("F16");
});
