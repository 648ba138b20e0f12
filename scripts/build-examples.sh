#!/usr/bin/env bash
# Builds the example programs of examples/ (their own cargo workspace) and puts each artefact
# where its job.toml expects it:
#
#   examples/sum-range/build/sum_range.wasm     wasm32-unknown-unknown
#   examples/mandelbrot/build/mandelbrot.wasm   wasm32-unknown-unknown
#   examples/wordfreq/image/wordfreq            x86_64-unknown-linux-gnu, static (FROM scratch)
#
# Prints one line per artefact with its size. Idempotent; cargo rebuilds only what changed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# A build directory of its own: the examples use other targets and profile settings than the
# root workspace, so sharing its directory would only make both rebuild.
export CARGO_TARGET_DIR="$HOME/.cache/conun/examples-target"
EXAMPLES="$REPO_ROOT/examples"
WASM_TARGET=wasm32-unknown-unknown
NATIVE_TARGET=x86_64-unknown-linux-gnu

command -v cargo >/dev/null || die "cargo is required: https://rustup.rs (or run scripts/setup.sh)"
# The wasm target, as scripts/setup.sh adds it; a toolchain without rustup must have it already.
if command -v rustup >/dev/null; then
  (cd "$EXAMPLES" && rustup target list --installed) | grep -qx "$WASM_TARGET" \
    || { log "adding rust target $WASM_TARGET"; (cd "$EXAMPLES" && rustup target add "$WASM_TARGET"); }
fi
# A static glibc binary needs libc.a (libc6-dev, part of build-essential on Debian and Ubuntu).
if command -v dpkg >/dev/null; then apt_install libc6-dev; fi

cd "$EXAMPLES"
log "building the wasm examples ($WASM_TARGET) into $CARGO_TARGET_DIR"
cargo build --locked --release --target "$WASM_TARGET" -p sum-range -p mandelbrot
log "building wordfreq ($NATIVE_TARGET, static) into $CARGO_TARGET_DIR"
cargo build --locked --release --target "$NATIVE_TARGET" -p wordfreq

wordfreq="$CARGO_TARGET_DIR/$NATIVE_TARGET/release/wordfreq"
# The image has no libc and no loader: a dynamically linked binary would not start there.
if command -v file >/dev/null && file -b "$wordfreq" | grep -q 'dynamically linked'; then
  die "$wordfreq is dynamically linked; examples/.cargo/config.toml should make it static"
fi

place() { # source, destination (relative to the repository), mode
  install -D -m "$3" "$1" "$REPO_ROOT/$2"
  printf '%-44s %9d bytes\n' "$2" "$(wc -c <"$REPO_ROOT/$2")"
}
place "$CARGO_TARGET_DIR/$WASM_TARGET/release/sum_range.wasm" examples/sum-range/build/sum_range.wasm 644
place "$CARGO_TARGET_DIR/$WASM_TARGET/release/mandelbrot.wasm" examples/mandelbrot/build/mandelbrot.wasm 644
place "$wordfreq" examples/wordfreq/image/wordfreq 755
