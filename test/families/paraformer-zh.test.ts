/**
 * The paraformer-zh family's release layout at paraformer-large's real widths and
 * key names (fewer layers, so the suite stays quick; the full 956-tensor file is
 * measured by scripts/bench-paraformer.ts): FunASR's model.pt with config.yaml,
 * am.mvn and tokens.json loads unchanged and transcribes; the sizes of the full
 * release; state-dict wrappers; SeACo/BiCif checkpoints and broken releases refused
 * in one line; a tiny model of the family from the generator.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeTinyModel } from "../../scripts/make-tiny-model";
import { writeParaformerRelease, paraformerReleaseShapes } from "../../scripts/synthetic/paraformer-release";
import { compilationEnabled } from "../../src/engine/compilation";
import { isAsrError } from "../../src/errors";
import { PARAFORMER_ZH } from "../../src/families/paraformer-zh";
import { locateModelFiles } from "../../src/pipeline/model-files";
import { ModelParts } from "../../src/pipeline/model-parts";
import { Transcriber } from "../../src/pipeline/transcriber";
import { ZH_WAV } from "../server/harness";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

const root = mkdtempSync(join(tmpdir(), "mlx-asr-paraformer-family-"));
const savedCache = process.env.XDG_CACHE_HOME;
compilationEnabled(); // compiled kernels stay in their cache; conversions go to this test's
process.env.XDG_CACHE_HOME = join(root, "cache");
afterAll(() => {
  if (savedCache === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = savedCache;
  rmSync(root, { recursive: true, force: true });
});

/** The error a call throws, as its one line. */
function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (isAsrError(e)) return e.oneLine();
    throw e;
  }
  throw new Error("expected an error");
}

test("the full release: 956 tensors, 220,084,533 parameters, as FunASR's Paraformer state dict has", () => {
  const shapes = paraformerReleaseShapes();
  expect(shapes.size).toBe(956);
  expect([...shapes.values()].reduce((sum, s) => sum + s.reduce((a, b) => a * b, 1), 0)).toBe(220_084_533);
  const networks = PARAFORMER_ZH.components.reduce((sum, c) => sum + c.network.parameters(c.released), 0);
  expect(networks + 8404 * 512).toBe(220_084_533); // the decoder's training embedding is not loaded
});

test("FunASR's release at real widths (2 encoder blocks, 1 decoder layer) loads from model.pt and transcribes with word times", async () => {
  const dir = writeParaformerRelease(join(root, "release"), { encoderBlocks: 2, decoderBlocks: 1 });
  const located = locateModelFiles(dir);
  expect(located.family.name).toBe("paraformer-zh");
  const parts = new ModelParts(located);
  expect(parts.config("encoder")).toMatchObject({ encoder: "SANMEncoder", input_size: 560, encoder_conf: { output_size: 512, num_blocks: 2, tp_blocks: 0 }, layer_norm_eps: 1e-12 });
  expect(parts.config("predictor")).toMatchObject({ predictor_conf: { idim: 512, l_order: 1, r_order: 1, tail_threshold: 0.45 } });
  expect(parts.config("nar_decoder")).toMatchObject({ vocab_size: 8404, encoder_output_size: 512, decoder_conf: { att_layer_num: 1, linear_units: 2048 } });
  const transcriber = await Transcriber.load(dir);
  const result = await transcriber.transcribe(ZH_WAV);
  const [segment] = result.segments;
  // α ≈ 0.3 per frame: about 58 × 0.3 + 0.45 tokens over 3.5 s.
  expect(segment!.tokens!.length).toBeGreaterThan(10);
  expect(segment!.words!.length).toBeGreaterThan(10);
  for (const w of segment!.words!) expect(w.end).toBeGreaterThanOrEqual(w.start);
  expect(result.language).toBe("zh");
});

test("a state dict wrapped under state_dict (and saved from DataParallel, module.*) is read as FunASR's loader reads it", async () => {
  const dir = writeParaformerRelease(join(root, "wrapped"), { encoderBlocks: 1, decoderBlocks: 1, wrapKey: "state_dict", keyPrefix: "module." });
  const located = locateModelFiles(dir);
  expect(located.encoder!.prefix).toBe("module.encoder.");
  expect(located.nar_decoder!.prefix).toBe("module.decoder.");
  const transcriber = await Transcriber.load(dir);
  expect((await transcriber.transcribe(ZH_WAV)).segments[0]!.words!.length).toBeGreaterThan(0);
});

test("a BiCif-Paraformer checkpoint is refused in one line naming its extra tensors", () => {
  const dir = writeParaformerRelease(join(root, "bicif"), { encoderBlocks: 1, decoderBlocks: 1, variant: "bicif" });
  const line = refusal(() => locateModelFiles(dir));
  expect(line).toContain("error[UNSUPPORTED_CHECKPOINT]");
  expect(line).toContain("is not the plain Paraformer (config.yaml: BiCifParaformer)");
  expect(line).toContain("predictor.upsample_cnn.* (2), predictor.cif_output2.* (2)");
  expect(line.split("\n")).toHaveLength(1);
});

test("a SeACo-Paraformer checkpoint (hot-word bias modules) is refused the same way", () => {
  const dir = writeParaformerRelease(join(root, "seaco"), { encoderBlocks: 1, decoderBlocks: 1, variant: "seaco" });
  const line = refusal(() => locateModelFiles(dir));
  expect(line).toContain("is not the plain Paraformer (config.yaml: SeacoParaformer)");
  expect(line).toContain("bias_embed.* (1), bias_encoder.* (2), hotword_output_layer.* (1)");
});

test("broken releases: a missing am.mvn, a config.yaml field of the wrong type, tokens.json of the wrong size", async () => {
  const dir = writeParaformerRelease(join(root, "broken"), { encoderBlocks: 1, decoderBlocks: 1 });
  rmSync(join(dir, "am.mvn"));
  expect(refusal(() => locateModelFiles(dir))).toMatch(/error\[FILE_MISSING\]: .*am\.mvn: is missing: a FunASR Paraformer release has it beside config\.yaml/);
  writeParaformerRelease(dir, { encoderBlocks: 1, decoderBlocks: 1 });
  const yaml = readFileSync(join(dir, "config.yaml"), "utf8");
  writeFileSync(join(dir, "config.yaml"), yaml.replace("attention_heads: 4\n  linear_units: 2048\n  num_blocks: 1", "attention_heads: four\n  linear_units: 2048\n  num_blocks: 1"));
  expect(refusal(() => locateModelFiles(dir))).toMatch(/error\[CONFIG_INVALID\]: .*config\.yaml: field "encoder_conf\.attention_heads"/);
  writeFileSync(join(dir, "config.yaml"), yaml);
  writeFileSync(join(dir, "tokens.json"), JSON.stringify(["<blank>", "<s>", "</s>", "<unk>"]));
  const error = await Transcriber.load(dir).then(
    () => null,
    (e: unknown) => e,
  );
  expect(isAsrError(error) && error.oneLine()).toMatch(/error\[TOKENIZER_INVALID\]: .*tokens\.json: holds 4 tokens but the decoder scores 8404/);
});

test("make-tiny-model writes the family (tokens.json beside its decoder) and it transcribes", async () => {
  const dir = await makeTinyModel(join(root, "tiny"), { family: "paraformer-zh" });
  const tokens = JSON.parse(readFileSync(join(dir, "decoder", "tokens.json"), "utf8")) as string[];
  expect(tokens.slice(0, 3)).toEqual(["<blank>", "<s>", "</s>"]);
  expect(tokens.at(-1)).toBe("<unk>");
  const transcriber = await Transcriber.load(dir);
  expect(transcriber.family.name).toBe("paraformer-zh");
  const result = await transcriber.transcribe(ZH_WAV);
  expect(result.segments[0]?.words?.length ?? 0).toBeGreaterThan(0);
});
