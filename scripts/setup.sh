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
# Docker for the worker's container sandbox. A machine may ship a `docker` client with no engine
# behind it, so the decision rests on the engine: `dockerd` to install, `docker info` to wait for.
# CONUN_REQUIRE_DOCKER=1 (set by scripts/test.sh) makes an engine that cannot start an error;
# otherwise (the demo, which needs only wasm) it is a warning and the docker runtime is left out.
[ -x /usr/sbin/dockerd ] || command -v dockerd >/dev/null || apt_install docker.io
start_docker_engine() {
  docker info >/dev/null 2>&1 && return 0
  if ! pgrep -x dockerd >/dev/null; then
    # A socket left by a daemon that is gone would make the new one fail to listen.
    [ -S /var/run/docker.sock ] && as_root rm -f /var/run/docker.sock
    log "starting dockerd in the background (log: $DOCKERD_LOG)"
    # Detached from every descriptor this script holds (a lock, a CI pipe), so the engine never
    # keeps them open after the script ends.
    as_root sh -c "nohup dockerd </dev/null >'$DOCKERD_LOG' 2>&1 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &"
  fi
  # The first start sets up its storage and networks: give it a minute.
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && return 0; sleep 1; done
  return 1
}
if ! start_docker_engine; then
  why="the Docker engine did not answer \`docker info\` within 60 s"
  [ -f "$DOCKERD_LOG" ] && { log "last lines of $DOCKERD_LOG:"; tail -n 15 "$DOCKERD_LOG" >&2; }
  if [ "${CONUN_REQUIRE_DOCKER:-0}" = 1 ]; then
    die "$why; the docker sandbox's tests cannot run (see $DOCKERD_LOG)"
  fi
  log "warning: $why; the docker runtime is left out (see $DOCKERD_LOG)"
fi

# Rust: the wasm targets and rust-src for the runtime.
command -v rustup >/dev/null || die "rustup is required: https://rustup.rs"
installed_targets="$(rustup target list --installed)"
for target in wasm32-unknown-unknown wasm32v1-none; do
  grep -qx "$target" <<<"$installed_targets" || { log "adding rust target $target"; rustup target add "$target"; }
done
rustup component list --installed | grep -q '^rust-src' || { log "adding rust-src"; rustup component add rust-src; }
# `cargo fmt --check` in scripts/test.sh.
rustup component list --installed | grep -q '^rustfmt' || { log "adding rustfmt"; rustup component add rustfmt; }

# Node packages, exactly as each package-lock.json pins them: the client tests' @polkadot/api,
# and zombienet, which spawns the multi-node networks (scripts/zombienet.sh).
for dir in tests/client zombienet; do
  if [ ! -d "$REPO_ROOT/$dir/node_modules" ] \
    || [ "$REPO_ROOT/$dir/package-lock.json" -nt "$REPO_ROOT/$dir/node_modules/.package-lock.json" ]; then
    log "npm ci ($dir)"
    (cd "$REPO_ROOT/$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  # The whole workspace, not just the node: one feature set for the dependencies that the node,
  # the worker and the tests share, so `cargo test --workspace` does not build them again.
  log "building the workspace (release) into $CARGO_TARGET_DIR"
  (cd "$REPO_ROOT" && cargo build --locked --release --workspace)
  log "built $CONUN_NODE"
fi
