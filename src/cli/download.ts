/**
 * `mlx-asr download <family>[:variant]` fetches what a family needs from its hub
 * repositories and prints the model folder it assembles; `mlx-asr download
 * <org/name>[@revision] [--revision R] [--include <glob>]…` fetches one repository
 * into the Hugging Face cache and prints its snapshot folder. Progress goes to
 * stderr; an interrupted download resumes when run again.
 */
import { z } from "zod";
import { UsageError } from "../errors";
import { parseHubId } from "../hub/reference";
import { filePatternsOfRepo, planFamilyDownload, planRepoDownload, runDownloadPlan, type DownloadPlan } from "../pipeline/download-plan";
import { defaultVariant, parseFamilyReference } from "../pipeline/family-variants";
import { parseCommandArgs } from "./args";
import { describePlan, withCliDownloads } from "./download-question";

const HELP = `usage: bun run mlx-asr download <family>[:variant]
       bun run mlx-asr download <org/name>[@revision] [--revision R] [--include <glob>]…

A family (see \`mlx-asr models\`): downloads the files it needs from its hub
repositories, chosen from their listings (the variant: the one for this machine's
memory unless named, e.g. fun-asr-nano:4bit), and prints the model folder linked
together from them in mlx-asr's cache ($MLX_ASR_CACHE, else ~/.cache/mlx-asr).

A hub id: downloads the repository's model files (those its family names, or
every config, weight and tokenizer file) and prints its snapshot folder.

Files go into the Hugging Face cache ($HF_HUB_CACHE, else $HF_HOME/hub, else
~/.cache/huggingface/hub). An interrupted download resumes where it stopped.

  --revision  branch, tag or commit of a hub id (default main; "org/name@revision" says the same)
  --include   only files matching this glob; repeatable ('*' downloads every file; a|b takes
              the first alternative that matches)

environment: HF_TOKEN    access token, for private and gated models
             HF_ENDPOINT a mirror of https://huggingface.co
`;

const Options = z.object({
  revision: z.string().min(1, "must not be empty").optional(),
  include: z.array(z.string().min(1, "must not be empty")).optional(),
  help: z.boolean().optional(),
});

export async function run(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(HELP);
    return 0;
  }
  const { values, positionals } = parseCommandArgs(
    "download",
    argv,
    { revision: { type: "string" }, include: { type: "string", multiple: true }, help: { type: "boolean" } },
    Options,
  );
  const [text, extra] = positionals;
  if (text === undefined) throw new UsageError("BAD_ARGUMENTS", "download", "give a family or a model id: download <family> | <org/name>[@revision]");
  if (extra !== undefined) throw new UsageError("BAD_ARGUMENTS", "download", `unexpected argument "${extra}"`);
  const folder = await withCliDownloads(true, async (options) => {
    const plan = await planFor(text, values, options.signal);
    process.stderr.write(`mlx-asr: downloading ${describePlan(plan)}\n`);
    return runDownloadPlan(plan, { onProgress: options.onDownloadProgress, signal: options.signal });
  });
  process.stdout.write(`${folder}\n`);
  return 0;
}

function planFor(text: string, values: z.output<typeof Options>, signal: AbortSignal | undefined): Promise<DownloadPlan> {
  const named = parseFamilyReference(text);
  if (named) {
    if (values.revision !== undefined || values.include !== undefined) {
      throw new UsageError("BAD_ARGUMENTS", "download", "--revision and --include apply to a hub id, not to a family (its files are chosen from its repositories' listings)");
    }
    return planFamilyDownload(named.family, named.variant ?? defaultVariant(named.family), { signal });
  }
  const id = parseHubId(text);
  if (!id) throw new UsageError("BAD_ARGUMENTS", text, 'is neither a model family (see `mlx-asr models`) nor a Hugging Face model id ("org/name" or "org/name@revision")');
  if (values.revision !== undefined && text.includes("@") && values.revision !== id.revision) {
    throw new UsageError("BAD_ARGUMENTS", "download --revision", `conflicts with "@${id.revision}" in the model id`);
  }
  return planRepoDownload(id.repoId, values.revision ?? id.revision, { signal }, values.include ?? filePatternsOfRepo(id.repoId));
}
