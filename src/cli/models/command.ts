/**
 * `mlx-asr models [--json] [--offline]`: every registered family and variant, its
 * hub repositories, download size, what is cached, and whether it fits this
 * machine — a table, or JSON.
 */
import { z } from "zod";
import { UsageError } from "../../errors";
import { parseCommandArgs } from "../args";
import { formatBytes } from "../progress";
import { familyCatalog, type Catalog } from "./catalog";

const HELP = `usage: bun run mlx-asr models [--json] [--offline]

Lists every model family and its variants (quantizations or formats): the hub
repositories each takes its parts from, the download size (from the repositories'
listings, or estimated from parameter counts when the hub cannot be reached), what
is already downloaded, and whether it fits this machine's memory. * marks the
variant a plain family name gets on this machine.

  --json     the same as JSON
  --offline  do not ask the hub; estimate the sizes (also HF_HUB_OFFLINE=1)

Use a variant with --model <family>:<variant>; fetch one with
bun run mlx-asr download <family>[:<variant>].
`;

const Options = z.object({ json: z.boolean().optional(), offline: z.boolean().optional(), help: z.boolean().optional() });

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("models", argv, { json: { type: "boolean" }, offline: { type: "boolean" }, help: { type: "boolean", short: "h" } }, Options);
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError("BAD_ARGUMENTS", "models", `unexpected argument "${positionals[0]}"`);
  const catalog = await familyCatalog({ online: !values.offline });
  process.stdout.write(values.json ? `${JSON.stringify(catalog, null, 2)}\n` : formatCatalog(catalog));
  return 0;
}

export function formatCatalog(catalog: Catalog): string {
  const header = ["family", "variant", "download", "cached", "memory", "fits", "repositories (parts)"];
  const rows: string[][] = [];
  let estimated = false;
  const notes: string[] = [];
  for (const family of catalog.families) {
    family.variants.forEach((v, i) => {
      estimated ||= v.sizeFrom === "estimate";
      const repos = v.repositories.map((r) => `${r.repo} (${r.parts.join(", ")}${r.fallback ? "; if needed" : ""})`).join(", ") || "—";
      rows.push([
        i === 0 ? family.name : "",
        `${v.variant || "—"}${v.isDefault ? " *" : ""}`,
        `${v.sizeFrom === "estimate" ? "≈" : ""}${formatBytes(v.downloadBytes)}`,
        v.cached,
        formatBytes(v.memoryBytes),
        v.fits ? "yes" : "no",
        repos,
      ]);
      if (v.listingError) notes.push(`${v.reference}: ${v.listingError}`);
    });
    if (family.localFolder) notes.push(`${family.name}: a plain "${family.name}" uses ${family.localFolder}`);
  }
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === cells.length - 1 ? cell : cell.padEnd(widths[c]!))).join("  ");
  const { memoryBytes, backend } = catalog.machine;
  return [
    line(header),
    ...rows.map(line),
    "",
    `* this machine's default (${formatBytes(memoryBytes)} of memory, ${backend}); memory: estimated peak of a transcription.`,
    estimated ? "≈ estimated from parameter counts (the hub did not list the repositories)." : "Sizes from the repositories' listings on the hub.",
    `Downloads go to ${catalog.hubCache}; model folders to ${catalog.modelCache}.`,
    ...notes,
    "",
  ].join("\n");
}
