/**
 * Layer counts in config files are bounded, so a damaged config is a config
 * error instead of a hang while tensor names are listed (found by the fuzzer:
 * `bun run fuzz --seed 7 --case 1319`, a decoder config with 2,000,000 layers).
 */
import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { z } from "zod";
import { readConfig } from "../../src/config";
import { ConfigError } from "../../src/errors";
import { MAX_LAYERS } from "../../src/nn/config-bounds";
import { Qwen3ConfigSchema } from "../../src/models/qwen3-decoder";
import { SenseVoiceEncoderConfigSchema } from "../../src/models/sensevoice-encoder";
import { NanoAdaptorConfigSchema } from "../../adaptor/nano-adaptor";
import { Qwen4bAdaptorConfigSchema } from "../../adaptor/qwen4b-adaptor";
import { MODEL_DIR } from "../helpers/fixtures";
import { allowSlowTests } from "../helpers/timeout";

allowSlowTests();

const CASES: { component: string; schema: z.ZodType; path: string[] }[] = [
  { component: "decoder", schema: Qwen3ConfigSchema, path: ["num_hidden_layers"] },
  { component: "encoder", schema: SenseVoiceEncoderConfigSchema, path: ["encoder_conf", "num_blocks"] },
  { component: "encoder", schema: SenseVoiceEncoderConfigSchema, path: ["encoder_conf", "tp_blocks"] },
  { component: "adaptor", schema: Qwen4bAdaptorConfigSchema, path: ["num_layers"] },
  { component: "nano_adaptor", schema: NanoAdaptorConfigSchema, path: ["audio_adaptor_conf", "n_layer"] },
];

test.each(CASES)("$component config: $path beyond the bound is a ConfigError naming the field", ({ component, schema, path }) => {
  const dir = mkdtempSync(join(tmpdir(), "mlx-asr-bounds-"));
  try {
    const json = JSON.parse(readFileSync(join(MODEL_DIR, component, "config.json"), "utf8")) as Record<string, unknown>;
    expect(() => readConfig(join(MODEL_DIR, component, "config.json"), schema)).not.toThrow();
    let parent = json;
    for (const key of path.slice(0, -1)) parent = parent[key] as Record<string, unknown>;
    parent[path[path.length - 1]!] = 2_000_000;
    const file = join(dir, "config.json");
    writeFileSync(file, JSON.stringify(json));
    let error: unknown;
    try {
      readConfig(file, schema);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(`field "${path.join(".")}"`);
    parent[path[path.length - 1]!] = MAX_LAYERS;
    writeFileSync(file, JSON.stringify(json));
    expect(() => readConfig(file, schema)).not.toThrow();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
