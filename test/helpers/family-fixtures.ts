/**
 * The per-family golden fixtures copied into test/fixtures/<family>/ (same layout as
 * the shared fixture set): utterance list, stage tensors, and the WAV each was made from.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Tensor } from "../../src/engine/mlx";
import { loadSafetensors } from "../../src/engine/safetensors";
import { FIXTURES } from "./fixtures";
import { encodeWav } from "./wav";

export type Family = "qwen3-asr" | "glm-asr-nano" | "paraformer-zh";

export interface FamilyUtterance {
  readonly id: string;
  /** Absolute path of the source WAV (rebuilt from the stored waveform when the set kept it outside), or null. */
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

let rebuilt: string | null = null;

/**
 * Some source WAVs are real recordings the fixture set keeps outside itself, all
 * 16 kHz mono 32-bit float: when one is not resampled, its stored waveform holds
 * exactly its samples, so the same WAV is written from it.
 */
function rebuiltWav(dir: string, id: string): string {
  rebuilt ??= mkdtempSync(join(tmpdir(), "mlx-asr-fixture-wav-"));
  const path = join(rebuilt, `${id}.wav`);
  if (!existsSync(path)) {
    const waveform = loadSafetensors(join(dir, "waveform.safetensors")).waveform!;
    writeFileSync(path, encodeWav({ sampleRate: 16000, channels: [waveform.tolist() as number[]], encoding: "float", bits: 32 }));
  }
  return path;
}

export function familyUtterances(family: Family): FamilyUtterance[] {
  const familyDir = join(FIXTURES, family);
  const manifest = JSON.parse(readFileSync(join(familyDir, "manifest.json"), "utf8")) as Manifest;
  // glm-asr-nano writes paths relative to the set root, qwen3-asr relative to its own folder.
  const relativeToSetRoot = manifest.wav_paths_relative_to?.startsWith("..") ?? false;
  const base = (root: string) => (relativeToSetRoot ? dirname(root) : root);
  return manifest.utterances.map((u) => {
    const inRepository = join(base(familyDir), u.wav);
    const dir = join(base(familyDir), u.dir);
    const wav = existsSync(inRepository) ? inRepository : u.resampled ? null : rebuiltWav(dir, u.id);
    return { id: u.id, wav, wavEntry: u.wav, resampled: u.resampled, dir };
  });
}

export function familyStage(u: FamilyUtterance, stage: string): Record<string, Tensor> {
  return loadSafetensors(join(u.dir, `${stage}.safetensors`));
}

export function familyFile(family: Family, path: string): string {
  return join(FIXTURES, family, path);
}
