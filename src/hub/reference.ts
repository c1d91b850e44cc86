/**
 * What a user may write where a model is expected: a directory, or a Hugging
 * Face model id `org/name[@revision]` looked up in the hub cache.
 */
import { statSync } from "node:fs";
import { resolve } from "node:path";
import { ModelNotFoundError } from "../errors";
import { expandHome, hubCacheDir, isValidRepoId, isValidRevision, resolveCachedSnapshot } from "./cache";

export type ModelReference =
  | { kind: "dir"; path: string }
  /** `snapshot` is the cached snapshot directory, or null when the model still has to be downloaded. */
  | { kind: "hub"; repoId: string; revision: string; snapshot: string | null };

export interface HubId {
  repoId: string;
  revision: string;
}

/** Parses `org/name` or `org/name@revision`; null when `text` is not shaped like a valid hub id. */
export function parseHubId(text: string): HubId | null {
  const at = text.indexOf("@");
  const repoId = at < 0 ? text : text.slice(0, at);
  const revision = at < 0 ? "main" : text.slice(at + 1);
  return isValidRepoId(repoId) && isValidRevision(revision) ? { repoId, revision } : null;
}

export function resolveModelReference(ref: string, cacheDir: string = hubCacheDir()): ModelReference {
  const path = ref ? resolve(expandHome(ref)) : "";
  const kind = path ? fileKind(path) : "missing";
  if (kind === "dir") return { kind: "dir", path };
  if (kind === "other") throw new ModelNotFoundError("MODEL_NOT_FOUND", ref, "is a file; a model is a directory or a Hugging Face model id (org/name)");

  const id = parseHubId(ref);
  if (id) return { kind: "hub", ...id, snapshot: resolveCachedSnapshot(id.repoId, id.revision, cacheDir) };
  throw new ModelNotFoundError(
    "MODEL_NOT_FOUND",
    ref || '""',
    "is neither an existing directory nor a Hugging Face model id (org/name[@revision]); give a model directory, or get a model with `bun run mlx-asr download <org/name>`",
  );
}

function fileKind(path: string): "dir" | "other" | "missing" {
  try {
    return statSync(path).isDirectory() ? "dir" : "other";
  } catch {
    return "missing";
  }
}
