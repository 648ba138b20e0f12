#!/usr/bin/env bash
# Installs every prerequisite that is missing, then builds conun-node (release).
# Idempotent: run it as often as you like; what is present is left alone.
#
#   SKIP_BUILD=1 scripts/setup.sh   prerequisites only
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Build tools: protoc for libp2p's protobuf code, a C toolchain for crates with C parts.
apt_install protobuf-compiler build-essential pkg-config git curl ca-certificates
# Node.js for the @polkadot/api client tests.
command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm
# Docker for the worker's container sandbox.
command -v docker >/dev/null || apt_install docker.io
if ! docker info >/dev/null 2>&1; then
  if command -v dockerd >/dev/null && ! pgrep -x dockerd >/dev/null; then
    # A socket left by a daemon that is gone would make the new one fail to listen.
    [ -S /var/run/docker.sock ] && as_root rm -f /var/run/docker.sock
    log "starting dockerd in the background (log: /tmp/dockerd.log)"
    # Detached from every descriptor this script holds (a lock, a CI pipe), so the engine never
    # keeps them open after the script ends.
    as_root sh -c 'nohup dockerd </dev/null >/tmp/dockerd.log 2>&1 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &'
    for _ in $(seq 1 30); do docker info >/dev/null 2>&1 && break; sleep 1; done
  fi
  docker info >/dev/null 2>&1 || log "warning: the Docker engine is not running (see /tmp/dockerd.log)"
fi

# Rust: the wasm targets and rust-src for the runtime.
command -v rustup >/dev/null || die "rustup is required: https://rustup.rs"
installed_targets="$(rustup target list --installed)"
for target in wasm32-unknown-unknown wasm32v1-none; do
  grep -qx "$target" <<<"$installed_targets" || { log "adding rust target $target"; rustup target add "$target"; }
done
rustup component list --installed | grep -q '^rust-src' || { log "adding rust-src"; rustup component add rust-src; }

# Node packages of the client tests, exactly as package-lock.json pins them.
if [ ! -d "$REPO_ROOT/tests/client/node_modules" ] \
  || [ "$REPO_ROOT/tests/client/package-lock.json" -nt "$REPO_ROOT/tests/client/node_modules/.package-lock.json" ]; then
  log "npm ci (tests/client)"
  (cd "$REPO_ROOT/tests/client" && npm ci --no-audit --no-fund --loglevel=error)
fi

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  # The whole workspace, not just the node: one feature set for the dependencies that the node,
  # the worker and the tests share, so `cargo test --workspace` does not build them again.
  log "building the workspace (release) into $CARGO_TARGET_DIR"
  (cd "$REPO_ROOT" && cargo build --locked --release --workspace)
  log "built $CONUN_NODE"
fi
