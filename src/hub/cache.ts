/**
 * The standard Hugging Face hub cache, laid out exactly as huggingface_hub lays
 * it out, so models downloaded by either tool are shared:
 *
 *   <cache>/models--{org}--{name}/blobs/<sha256 or git blob sha1>
 *   <cache>/models--{org}--{name}/snapshots/<commit>/<file> → ../../blobs/<hash>
 *   <cache>/models--{org}--{name}/refs/<branch or tag>        (holds the commit)
 *
 * Repo ids and revisions become path components here, so they are validated
 * before any path is built from them.
 */
import { readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { UsageError } from "../errors";

/** One part of a repo id as the hub allows it: starts and ends with a word character. */
const REPO_ID_PART = /^[A-Za-z0-9_](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9_])?$/;
const REVISION_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
const COMMIT_HASH = /^[0-9a-f]{40}$/;

/** Expands a leading `~` to the home directory. */
export function expandHome(path: string): string {
  if (path === "~") return homedir();
  if (path.startsWith("~/")) return join(homedir(), path.slice(2));
  return path;
}

/** The hub cache directory: `HF_HUB_CACHE`, else `$HF_HOME/hub` (HF_HOME defaulting as huggingface_hub does). */
export function hubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HUB_CACHE) return resolve(expandHome(env.HF_HUB_CACHE));
  const hfHome = env.HF_HOME || join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "huggingface");
  return resolve(expandHome(hfHome), "hub");
}

/** `org/name`, each part as the hub allows it, never `.`/`..` nor anything with `--` (the folder-name separator). */
export function isValidRepoId(repoId: string): boolean {
  const parts = repoId.split("/");
  if (parts.length !== 2) return false;
  return parts.every((part) => REPO_ID_PART.test(part) && !part.includes("..") && !part.includes("--"));
}

/** A commit hash, or a branch/tag name such as `main`, `v1.0` or `refs/pr/3`. */
export function isValidRevision(revision: string): boolean {
  if (revision.length === 0 || revision.length > 255 || revision.includes("..")) return false;
  return revision.split("/").every((segment) => REVISION_SEGMENT.test(segment));
}

export function isCommitHash(revision: string): boolean {
  return COMMIT_HASH.test(revision);
}

export function assertRepoId(repoId: string): void {
  if (!isValidRepoId(repoId)) {
    throw new UsageError("INVALID_REPO_ID", repoId, 'is not a Hugging Face model id; expected "org/name" made of letters, digits, ".", "_" and "-"');
  }
}

export function assertRevision(revision: string): void {
  if (!isValidRevision(revision)) {
    throw new UsageError("INVALID_REVISION", revision, 'is not a valid revision; expected a branch or tag name (letters, digits, ".", "_", "-", "/") or a commit hash');
  }
}

/** `models--{org}--{name}` */
export function repoFolderName(repoId: string): string {
  assertRepoId(repoId);
  return `models--${repoId.replace("/", "--")}`;
}

export function repoCacheDir(repoId: string, cacheDir: string = hubCacheDir()): string {
  return join(cacheDir, repoFolderName(repoId));
}

/** The snapshot directory of one commit (whether or not it exists). */
export function snapshotPath(repoId: string, commit: string, cacheDir: string = hubCacheDir()): string {
  if (!isCommitHash(commit)) throw new UsageError("INVALID_REVISION", commit, "is not a 40-character commit hash");
  return join(repoCacheDir(repoId, cacheDir), "snapshots", commit);
}

/** The file recording which commit a branch or tag name pointed at when it was downloaded. */
export function refPath(repoId: string, revision: string, cacheDir: string = hubCacheDir()): string {
  assertRevision(revision);
  return join(repoCacheDir(repoId, cacheDir), "refs", revision);
}

/**
 * The absolute snapshot directory of `repoId` at `revision` (a branch/tag name,
 * resolved through `refs/<name>`, or a commit hash), or null when it is not cached.
 */
export function resolveCachedSnapshot(repoId: string, revision = "main", cacheDir: string = hubCacheDir()): string | null {
  assertRepoId(repoId);
  assertRevision(revision);
  let commit = revision;
  if (!isCommitHash(revision)) {
    try {
      commit = readFileSync(refPath(repoId, revision, cacheDir), "utf8").trim();
    } catch {
      return null;
    }
    if (!isCommitHash(commit)) return null;
  }
  const dir = snapshotPath(repoId, commit, cacheDir);
  try {
    return statSync(dir).isDirectory() ? dir : null;
  } catch {
    return null;
  }
}
