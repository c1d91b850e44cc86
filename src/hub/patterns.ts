/**
 * Choosing files of a repository listing by name, as huggingface_hub's
 * `allow_patterns` do (fnmatch: `*` matches any run, `/` included, `?` one
 * character, `[…]` a class; a pattern ending in `/` means everything under it).
 * A pattern may also list alternatives in order of preference, `a|b|c`: the files
 * of the first alternative that matches anything are taken.
 */

/**
 * The files a model needs when nothing more specific is said: configurations,
 * tokenizers, CMVN statistics, and the weights — safetensors, else a PyTorch
 * checkpoint (FunASR publishes `model.pt`).
 */
export const MODEL_FILE_PATTERNS: readonly string[] = ["*.json", "*.safetensors|*.pt|*.pth|*.bin", "*.txt", "*.model", "*.mvn", "*.yaml"];

/** The files any pattern selects, in listing order. */
export function selectFiles<F extends { readonly path: string }>(files: readonly F[], patterns: readonly string[]): F[] {
  const chosen = new Set<F>();
  for (const pattern of patterns) {
    for (const alternative of pattern.split("|")) {
      const matches = files.filter((f) => globToRegExp(alternative.endsWith("/") ? `${alternative}*` : alternative).test(f.path));
      if (matches.length === 0) continue;
      for (const f of matches) chosen.add(f);
      break;
    }
  }
  return files.filter((f) => chosen.has(f));
}

function globToRegExp(glob: string): RegExp {
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    const classEnd = c === "[" ? glob.indexOf("]", i + 2) : -1;
    if (c === "*") source += ".*";
    else if (c === "?") source += ".";
    else if (classEnd > 0) {
      const body = glob.slice(i + 1, classEnd).replace(/\\/g, "\\\\");
      source += body.startsWith("!") ? `[^${body.slice(1)}]` : `[${body}]`;
      i = classEnd;
    } else source += c.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
  }
  return new RegExp(`^${source}$`, "s");
}
