/** Tiny random models in the full family layout, generated once per test process. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeTinyModel } from "../../scripts/make-tiny-model";

const made = new Map<string, Promise<string>>();

export function tinyModel(family: "funasr-qwen4b" | "fun-asr-nano" | "qwen3-asr" | "glm-asr-nano" = "funasr-qwen4b"): Promise<string> {
  let dir = made.get(family);
  if (!dir) {
    dir = makeTinyModel(join(mkdtempSync(join(tmpdir(), `mlx-asr-tiny-${family}-`)), "model"), { family });
    made.set(family, dir);
  }
  return dir;
}
