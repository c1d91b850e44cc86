/**
 * Model configuration files through their zod schemas, and what is computed
 * from them before any weight is read (the tensor names and shapes a checkpoint
 * must hold, the front end's settings, the CMVN vectors).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { z } from "zod";
import { loadCmvn } from "../../../src/audio/features/cmvn";
import { FrontendConfigSchema, frontendSettings } from "../../../src/audio/features/funasr-frontend";
import { readConfig } from "../../../src/config";
import { mx } from "../../../src/engine/mlx";
import { Qwen3ConfigSchema, qwen3Tensors } from "../../../src/models/qwen3-decoder";
import { SenseVoiceEncoderConfigSchema, senseVoiceEncoderTensors } from "../../../src/models/sensevoice-encoder";
import { FamilyFileSchema } from "../../../src/pipeline/model-files";
import { NanoAdaptorConfigSchema, nanoAdaptorTensors } from "../../../adaptor/nano-adaptor";
import { Qwen4bAdaptorConfigSchema, qwen4bAdaptorTensors } from "../../../adaptor/qwen4b-adaptor";
import { mutateJson } from "../json-mutate";
import type { Seed } from "../mutate";
import type { FuzzTarget } from "../target";

const MODEL = join(import.meta.dir, "../../../test/fixtures/model");

/** Parses with the schema, then computes what the loader derives from the config. */
function consumer<S extends z.ZodType>(schema: S, derive: (config: z.output<S>) => number): (path: string) => number {
  return (path) => derive(readConfig(path, schema));
}

const CONSUMERS: Record<string, (path: string) => number> = {
  "frontend.json": consumer(FrontendConfigSchema, (c) => frontendSettings(c, null).lfrM),
  "encoder.json": consumer(SenseVoiceEncoderConfigSchema, (c) => senseVoiceEncoderTensors(c).size),
  "decoder.json": consumer(Qwen3ConfigSchema, (c) => qwen3Tensors(c).size),
  "adaptor.json": consumer(Qwen4bAdaptorConfigSchema, (c) => qwen4bAdaptorTensors(c, "converted").size + qwen4bAdaptorTensors(c, "pytorch").size),
  "nano_adaptor.json": consumer(NanoAdaptorConfigSchema, (c) => nanoAdaptorTensors(c).size),
  "family.json": consumer(FamilyFileSchema, (c) => Object.keys(c.components).length),
  "am.mvn": (path) => {
    const cmvn = loadCmvn(path);
    mx.eval(cmvn.shift, cmvn.rescale);
    return cmvn.dim;
  },
};

function seed(name: string, text: string): Seed {
  return { name, bytes: new TextEncoder().encode(text) };
}

export const configTarget: FuzzTarget = {
  name: "config",
  seeds: () => [
    seed("frontend.json", readFileSync(join(MODEL, "frontend/config.json"), "utf8")),
    seed("encoder.json", readFileSync(join(MODEL, "encoder/config.json"), "utf8")),
    seed("decoder.json", readFileSync(join(MODEL, "decoder/config.json"), "utf8")),
    seed("adaptor.json", readFileSync(join(MODEL, "adaptor/config.json"), "utf8")),
    seed("nano_adaptor.json", readFileSync(join(MODEL, "nano_adaptor/config.json"), "utf8")),
    seed("family.json", JSON.stringify({ format: "mlx-asr", family: "fun-asr-nano", components: { decoder: "hf:mlx-community/Qwen3-0.6B-4bit@main/sub" } })),
    seed("am.mvn", readFileSync(join(MODEL, "frontend/am.mvn"), "utf8")),
  ],
  mutate: (r, s) => (s.name.endsWith(".json") && r.chance(0.6) ? mutateJson(r, new TextDecoder().decode(s.bytes)) : null),
  run(input, s, { dir }) {
    const path = join(dir, s.name);
    writeFileSync(path, input);
    return `${CONSUMERS[s.name]!(path)}`;
  },
  allowedFiles: () => ["frontend.json", "encoder.json", "decoder.json", "adaptor.json", "nano_adaptor.json", "family.json", "am.mvn"],
};
