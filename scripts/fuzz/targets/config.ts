/**
 * Model configuration files through their zod schemas, and what is computed
 * from them before any weight is read (the tensor names and shapes a checkpoint
 * must hold, the front end's settings, the CMVN vectors); FunASR's config.yaml
 * through the YAML reader.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { z } from "zod";
import { loadCmvn } from "../../../src/audio/features/cmvn";
import { FrontendConfigSchema, frontendSettings } from "../../../src/audio/features/funasr-frontend";
import { readConfig, readYamlFile } from "../../../src/config";
import { mx } from "../../../src/engine/mlx";
import { CheckpointIndex } from "../../../src/engine/weights";
import { allFamilies } from "../../../src/families/registry";
import { FamilyFileSchema } from "../../../src/pipeline/model-files";
import { mutateJson } from "../json-mutate";
import type { Seed } from "../mutate";
import type { FuzzTarget } from "../target";

const MODEL = join(import.meta.dir, "../../../test/fixtures/model");

/** Parses with the schema, then computes what the loader derives from the config. */
function consumer<S extends z.ZodType>(schema: S, derive: (config: z.output<S>) => number): (path: string) => number {
  return (path) => derive(readConfig(path, schema));
}

/** Every registered family's networks: their released and tiny configurations, through their own schemas and tensor lists. */
const NETWORK_SEEDS = allFamilies().flatMap((family) =>
  family.components.flatMap((component) => {
    const network = component.network;
    const run = consumer(network.schema, (c) => network.tensors(c, new CheckpointIndex([], new Map()), "fuzz").size);
    return [
      { name: `${family.name}.${component.role}.released.json`, text: JSON.stringify(component.released), run },
      { name: `${family.name}.${component.role}.tiny.json`, text: JSON.stringify(component.tiny({ decoderWidth: 64 })), run },
    ];
  }),
);

const CONSUMERS: Record<string, (path: string) => number> = {
  "frontend.json": consumer(FrontendConfigSchema, (c) => frontendSettings(c, null).lfrM),
  "family.json": consumer(FamilyFileSchema, (c) => Object.keys(c.components).length),
  "config.yaml": (path) => JSON.stringify(readYamlFile(path) ?? null).length,
  "am.mvn": (path) => {
    const cmvn = loadCmvn(path);
    mx.eval(cmvn.shift, cmvn.rescale);
    return cmvn.dim;
  },
  ...Object.fromEntries(NETWORK_SEEDS.map((n) => [n.name, n.run])),
};

function seed(name: string, text: string): Seed {
  return { name, bytes: new TextEncoder().encode(text) };
}

export const configTarget: FuzzTarget = {
  name: "config",
  seeds: () => [
    seed("frontend.json", readFileSync(join(MODEL, "frontend/config.json"), "utf8")),
    seed("family.json", JSON.stringify({ format: "mlx-asr", family: "fun-asr-nano", components: { decoder: "hf:mlx-community/Qwen3-0.6B-4bit@main/sub" } })),
    seed("am.mvn", readFileSync(join(MODEL, "frontend/am.mvn"), "utf8")),
    seed("config.yaml", readFileSync(join(MODEL, "../paraformer-zh/model/config.yaml"), "utf8")),
    ...NETWORK_SEEDS.map((n) => seed(n.name, n.text)),
  ],
  mutate: (r, s) => (s.name.endsWith(".json") && r.chance(0.6) ? mutateJson(r, new TextDecoder().decode(s.bytes)) : null),
  run(input, s, { dir }) {
    const path = join(dir, s.name);
    writeFileSync(path, input);
    return `${CONSUMERS[s.name]!(path)}`;
  },
  allowedFiles: () => Object.keys(CONSUMERS),
};
