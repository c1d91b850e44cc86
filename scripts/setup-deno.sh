#!/usr/bin/env bash
# Makes Deno 2 available for mlx-asr: when `deno` is not on PATH, installs the `deno`
# package from the npm registry (it ships the binary) into the repository's .tools/deno
# prefix (ignored by git; no HOME needed), then checks that the engine loads under it.
# Run after scripts/setup.sh (the JS dependencies and native libraries come from there).
# Prints the directory holding `deno` on stdout, so a caller can put it on PATH:
#   export PATH="$(bash scripts/setup-deno.sh):$PATH"
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup-deno: %s\n' "$*" >&2; }
fail() { say "$*"; exit 1; }

prefix="$PWD/.tools/deno"
if command -v deno >/dev/null 2>&1 && deno --version 2>/dev/null | grep -q '^deno 2\.'; then
  bin=$(dirname "$(command -v deno)")
elif [ -x "$prefix/bin/deno" ]; then
  bin="$prefix/bin"
else
  command -v npm >/dev/null 2>&1 || fail "deno is not installed and npm is missing; install Node.js (for npm), or Deno 2 by hand"
  say "Deno 2 not found; installing the deno package from the npm registry into .tools/deno"
  # The package's postinstall links its platform binary (an optional dependency) into place.
  npm install -g --prefix "$prefix" --cache "$PWD/.tools/npm-cache" --no-audit --no-fund deno@2 >/dev/null
  bin="$prefix/bin"
  # npm may hold back the package's postinstall; it only links the platform binary into place.
  if ! "$bin/deno" --version >/dev/null 2>&1; then
    (cd "$prefix/lib/node_modules/deno" && node ./install.cjs >/dev/null) || true
  fi
  "$bin/deno" --version >/dev/null 2>&1 || fail "the deno package was installed but $bin/deno does not run"
fi
say "$("$bin/deno" --version | head -n 1)"

# Deno reads the JS dependencies from node_modules (deno.json: nodeModulesDir manual). The
# first load under Deno prepares the engine's Node-API corrections (src/runtimes/deno-engine.ts).
[ -e node_modules/@frost-beta/mlx ] || fail "node_modules is missing; run scripts/setup.sh first"
check='const { mx } = await import("./src/engine/mlx.ts"); const sum = mx.sum(mx.ones([2, 3]), [0, 1]); mx.eval(sum); if (sum.item() !== 6) throw new Error("engine gave " + sum.item());'
if ! DENO_NO_UPDATE_CHECK=1 "$bin/deno" eval "$check" >/dev/null 2>&1; then
  DENO_NO_UPDATE_CHECK=1 "$bin/deno" eval "$check" 2>&1 | grep -v '^\s*at ' | tail -n 3 >&2 || true
  fail "the tensor engine (@frost-beta/mlx) does not load under Deno"
fi
say "ready"
echo "$bin"
