/** Paths and readers for the golden fixtures in test/fixtures (copied verbatim from the reference fixture set). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadSafetensors } from "../../src/engine/safetensors";
import type { Tensor } from "../../src/engine/mlx";

export const FIXTURES = join(import.meta.dir, "..", "fixtures");
export const MODEL_DIR = join(FIXTURES, "model");

export interface Utterance {
  id: string;
  wav: string;
  sample_rate: number;
  channels: number;
  resampled: boolean;
  fbank_frames: number;
  lfr_frames: number;
  prompt_length: number;
  dir: string;
}

export const UTTERANCES: Utterance[] = (JSON.parse(readFileSync(join(FIXTURES, "manifest.json"), "utf8")) as { utterances: Utterance[] }).utterances;

export function wavPath(u: Utterance): string {
  return join(FIXTURES, u.wav);
}

export function stageFile(u: Utterance, name: string): string {
  return join(FIXTURES, u.dir, `${name}.safetensors`);
}

export function stageTensors(u: Utterance, name: string): Record<string, Tensor> {
  return loadSafetensors(stageFile(u, name));
}

export function stageJson<T>(u: Utterance, name: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, u.dir, `${name}.json`), "utf8")) as T;
}
