/**
 * A tiny random Qwen3-ASR whose answers run to several tokens (seed 5; the default
 * seed's stop after one), so that live sessions commit text before they finish.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeTinyModel } from "../../scripts/make-tiny-model";

let made: Promise<string> | null = null;

export function talkativeTinyModel(): Promise<string> {
  made ??= makeTinyModel(join(mkdtempSync(join(tmpdir(), "mlx-asr-tiny-live-")), "model"), { family: "qwen3-asr", seed: 5 });
  return made;
}
