#!/usr/bin/env bash
# Sets up a fresh machine for mlx-asr: Bun (from the npm registry when missing),
# the engine's native libraries on Linux (LAPACK + OpenBLAS), the JS dependencies,
# and on Apple Silicon the Metal build of the engine. Safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*" >&2; }
fail() { say "$*"; exit 1; }

os=$(uname -s)
arch=$(uname -m)

# 1. Bun.
if ! command -v bun >/dev/null 2>&1; then
  command -v npm >/dev/null 2>&1 || fail "neither bun nor npm is installed; install Node.js (for npm) or Bun first"
  say "Bun not found; installing it from the npm registry"
  if ! npm install -g bun@1 >/dev/null 2>&1; then
    say "global npm install not permitted; installing Bun into \$HOME/.local"
    npm install -g --prefix "$HOME/.local" bun@1 >/dev/null
    export PATH="$HOME/.local/bin:$PATH"
    say "add \$HOME/.local/bin to your PATH to use bun in new shells"
  fi
  command -v bun >/dev/null 2>&1 || fail "Bun was installed but is not on PATH"
fi
say "bun $(bun --version)"

# 2. Native libraries on Linux. The engine links LAPACK/BLAS and cannot load without them;
#    OpenBLAS makes float32 GEMM ~60x faster than the reference BLAS. BLIS is loaded in
#    preference when present (src/engine/blas.ts): its matrix x vector products, which
#    decoding is made of, run twice as fast as OpenBLAS 0.3.21's. It does not change the
#    system's default BLAS (its alternative has a lower priority than OpenBLAS).
if [ "$os" = Linux ]; then
  have_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }
  missing=()
  have_lib 'liblapack\.so\.3' || missing+=(liblapack3)
  have_lib 'libopenblas' || missing+=(libopenblas0-pthread)
  ls /usr/lib/*-linux-gnu/blis-pthread/libblas.so.3 >/dev/null 2>&1 || missing+=(libblis4-pthread)
  if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    if [ "$(id -u)" != 0 ]; then
      command -v sudo >/dev/null 2>&1 || fail "${missing[*]} missing and this is not root; install them as root"
      sudo=sudo
    fi
    command -v apt-get >/dev/null 2>&1 || fail "install LAPACK and OpenBLAS (liblapack.so.3, libopenblas), and BLIS if you can, with your package manager"
    say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! $sudo apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
      $sudo apt-get update >/dev/null
      $sudo apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
    fi
  fi
  command -v g++ >/dev/null 2>&1 || say "note: without g++ the CPU backend runs network blocks uncompiled (more memory during prefill)"
fi

# 3. JS dependencies. Lifecycle scripts stay blocked: the engine's would download a
#    binary, which Linux does not need (the tarball has it) and offline machines cannot do.
bun install --frozen-lockfile >/dev/null

# 4. Apple Silicon: the tarball's binary is linux-x64; fetch the Metal build (mlx.node +
#    mlx.metallib) with the engine's own install script.
engine=node_modules/@frost-beta/mlx
if [ "$os" = Darwin ] && [ "$arch" = arm64 ] && [ ! -f "$engine/build/Release/mlx.metallib" ]; then
  say "fetching the Metal build of the engine"
  bun "$engine/install.js" || fail "could not download the Metal build of @frost-beta/mlx (needs internet access to github.com)"
fi

# 5. The engine must load; say why when it does not.
if ! bun -e 'const { core } = require("@frost-beta/mlx"); core.eval(core.add(core.array(1), 1));' >/dev/null 2>&1; then
  bun -e 'require("@frost-beta/mlx")' 2>&1 | tail -n 3 >&2 || true
  fail "the tensor engine (@frost-beta/mlx) does not load on this machine"
fi

command -v ffmpeg >/dev/null 2>&1 || say "note: ffmpeg is not on PATH; WAV works, other formats (mp3, flac, m4a, …) need ffmpeg"
say "ready"
