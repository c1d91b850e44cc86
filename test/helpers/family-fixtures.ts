/**
 * The per-family golden fixtures copied into test/fixtures/<family>/ (same layout as
 * the shared fixture set): utterance list, stage tensors, and the WAV each was made from.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Tensor } from "../../src/engine/mlx";
import { loadSafetensors } from "../../src/engine/safetensors";
import { FIXTURES } from "./fixtures";

export type Family = "qwen3-asr" | "glm-asr-nano";

export interface FamilyUtterance {
  readonly id: string;
  /** Absolute path of the source WAV, or null when neither the repository nor a shared copy beside it has it. */
  readonly wav: string | null;
  /** The manifest's WAV path as written (for skip notes). */
  readonly wavEntry: string;
  readonly resampled: boolean;
  readonly dir: string;
}

interface ManifestEntry {
  id: string;
  wav: string;
  dir: string;
  resampled: boolean;
}

interface Manifest {
  wav_paths_relative_to?: string;
  utterances: ManifestEntry[];
}

/**
 * Some WAVs live outside the fixture set (real recordings); they are used where a
 * `shared/fixtures/<family>` folder sits beside the repository or one of its parents.
 */
function sharedFamilyDirs(family: Family): string[] {
  const dirs: string[] = [];
  for (let dir = resolve(FIXTURES, "..", ".."); dirname(dir) !== dir; dir = dirname(dir)) {
    const candidate = join(dirname(dir), "shared", "fixtures", family);
    if (existsSync(candidate)) dirs.push(candidate);
  }
  return dirs;
}

export function familyUtterances(family: Family): FamilyUtterance[] {
  const familyDir = join(FIXTURES, family);
  const manifest = JSON.parse(readFileSync(join(familyDir, "manifest.json"), "utf8")) as Manifest;
  // glm-asr-nano writes paths relative to the set root, qwen3-asr relative to its own folder.
  const relativeToSetRoot = manifest.wav_paths_relative_to?.startsWith("..") ?? false;
  const base = (root: string) => (relativeToSetRoot ? dirname(root) : root);
  return manifest.utterances.map((u) => {
    const candidates = [familyDir, ...sharedFamilyDirs(family)].map((root) => join(base(root), u.wav));
    return {
      id: u.id,
      wav: candidates.find((p) => existsSync(p)) ?? null,
      wavEntry: u.wav,
      resampled: u.resampled,
      dir: join(base(familyDir), u.dir),
    };
  });
}

export function familyStage(u: FamilyUtterance, stage: string): Record<string, Tensor> {
  return loadSafetensors(join(u.dir, `${stage}.safetensors`));
}

export function familyFile(family: Family, path: string): string {
  return join(FIXTURES, family, path);
}
