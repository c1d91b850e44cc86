/**
 * What a repository holds at a revision, as huggingface_hub's `snapshot_download`
 * learns it: the revision endpoint pins the commit, then the tree endpoint
 * (`/api/models/{repo}/tree/{commit}?recursive=true`, paged by `Link` headers)
 * lists every file with its size and blob id (the sha256 of an LFS file, the git
 * blob sha1 of any other), which the downloader checks the bytes against.
 */
import { z } from "zod";
import { DownloadError } from "../errors";
import { assertRepoId, assertRevision } from "./cache";
import { bodyFailure, checkStatus, hubContext, hubGet, withRetries, type HubAccessOptions, type HubContext } from "./http";

/** One file of the repository as the hub lists it. */
export interface RepoFile {
  readonly path: string;
  readonly size: number;
  /** The blob name: the sha256 of an LFS file, the git blob sha1 of any other. */
  readonly hash: string;
  readonly algorithm: "sha256" | "git-sha1";
}

export interface RepoListing {
  readonly repoId: string;
  /** The branch, tag or commit asked for. */
  readonly revision: string;
  readonly commit: string;
  readonly files: readonly RepoFile[];
}

/** Bounds that keep a misbehaving server from paging or listing forever. */
const MAX_PAGES = 1_000;
const MAX_FILES = 200_000;

const HEX40 = /^[0-9a-f]{40}$/;
const HEX64 = /^[0-9a-f]{64}$/;

const RevisionSchema = z.object({ sha: z.string().regex(HEX40, "is not a commit hash") });

const TreeSchema = z.array(
  z.object({
    type: z.string(),
    path: z.string(),
    size: z.number().int().nonnegative().optional(),
    oid: z.string().regex(HEX40, "is not a git blob sha1").optional(),
    lfs: z.object({ oid: z.string().regex(HEX64, "is not a sha256"), size: z.number().int().nonnegative() }).nullish(),
  }),
);

export async function listRepository(repoId: string, revision = "main", options: HubAccessOptions = {}): Promise<RepoListing> {
  assertRepoId(repoId);
  assertRevision(revision);
  const ctx = hubContext(repoId, options);
  const subject = revision === "main" ? repoId : `${repoId}@${revision}`;
  const notFound = revision === "main" ? "MODEL_NOT_FOUND" : "REVISION_NOT_FOUND";
  const pinned = await getJson(`${ctx.endpoint}/api/models/${repoId}/revision/${encodeURIComponent(revision)}`, subject, ctx, notFound, RevisionSchema);
  const commit = pinned.value.sha;

  const files: RepoFile[] = [];
  let next: string | null = `${ctx.endpoint}/api/models/${repoId}/tree/${commit}?recursive=true`;
  for (let page = 0; next !== null; page++) {
    if (page >= MAX_PAGES) throw new DownloadError("DOWNLOAD_BAD_RESPONSE", subject, `the file listing has more than ${MAX_PAGES} pages`);
    const { value: entries, response }: { value: z.output<typeof TreeSchema>; response: Response } = await getJson(next, subject, ctx, notFound, TreeSchema);
    for (const entry of entries) {
      if (entry.type !== "file") continue;
      files.push(repoFile(entry, next));
      if (files.length > MAX_FILES) throw new DownloadError("DOWNLOAD_BAD_RESPONSE", subject, `the repository lists more than ${MAX_FILES} files`);
    }
    next = nextPage(response, ctx);
  }
  return { repoId, revision, commit, files };
}

function repoFile(entry: z.output<typeof TreeSchema>[number], url: string): RepoFile {
  if (!isSafeRepoPath(entry.path)) throw new DownloadError("DOWNLOAD_BAD_RESPONSE", url, `lists an unsafe file name ${JSON.stringify(entry.path)}`);
  if (entry.lfs) return { path: entry.path, size: entry.lfs.size, hash: entry.lfs.oid, algorithm: "sha256" };
  if (entry.oid === undefined || entry.size === undefined) {
    throw new DownloadError("DOWNLOAD_BAD_RESPONSE", url, `gives no size or oid for ${entry.path}, so it cannot be verified`);
  }
  return { path: entry.path, size: entry.size, hash: entry.oid, algorithm: "git-sha1" };
}

/** The `rel="next"` page of a paged answer, only on the endpoint's own origin. */
function nextPage(response: Response, ctx: HubContext): string | null {
  const link = response.headers.get("link");
  const match = link ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(link) : null;
  if (!match) return null;
  const url = new URL(match[1]!, ctx.endpoint);
  if (url.origin !== new URL(ctx.endpoint).origin) throw new DownloadError("DOWNLOAD_BAD_RESPONSE", ctx.repoId, `the file listing pages to another host (${url.origin})`);
  return url.href;
}

async function getJson<T>(url: string, subject: string, ctx: HubContext, notFoundCode: string, schema: z.ZodType<T>): Promise<{ value: T; response: Response }> {
  const { text, response } = await withRetries(ctx, subject, async () => {
    const answer = await hubGet(url, ctx, { accept: "application/json" });
    checkStatus(answer, subject, ctx, notFoundCode);
    try {
      return { text: await answer.text(), response: answer };
    } catch (e) {
      throw bodyFailure(e, ctx);
    }
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new DownloadError("DOWNLOAD_BAD_RESPONSE", url, "did not answer with JSON; is HF_ENDPOINT a Hugging Face hub?");
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DownloadError("DOWNLOAD_BAD_RESPONSE", url, `unexpected answer: field "${issue.path.join(".")}": ${issue.message}`);
  }
  return { value: parsed.data, response };
}

/** A relative path whose every segment is a plain name: it cannot leave the snapshot directory. */
function isSafeRepoPath(path: string): boolean {
  if (path.length === 0 || path.includes("\\") || path.includes("\0")) return false;
  return path.split("/").every((segment) => segment !== "" && segment !== "." && segment !== "..");
}
