# Shared settings for the scripts: one build directory outside the clone, reused everywhere.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/conun/target}"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONUN_NODE="${CONUN_NODE:-$CARGO_TARGET_DIR/release/conun-node}"
# Where scripts/setup.sh writes the Docker engine's log when it starts one.
DOCKERD_LOG="${DOCKERD_LOG:-/tmp/dockerd.log}"
export REPO_ROOT CONUN_NODE DOCKERD_LOG

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# wait_for_rpc PORT PID LOG: waits up to 60 s until the node PID answers JSON-RPC on
# 127.0.0.1:PORT; dies with the tail of LOG if it stops first or never answers.
wait_for_rpc() {
  local port=$1 pid=$2 log_file=$3
  for _ in $(seq 1 60); do
    curl -sf -H 'Content-Type: application/json' -d '{"id":1,"jsonrpc":"2.0","method":"system_health"}' \
      "http://127.0.0.1:$port" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || { tail -20 "$log_file" >&2; die "conun-node stopped"; }
    sleep 1
  done
  tail -20 "$log_file" >&2
  die "conun-node did not answer on 127.0.0.1:$port within 60 s"
}

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=0
apt_install() {
  local missing=()
  for pkg in "$@"; do
    # Installed, not merely known: a removed package keeps its configuration files, and
    # `dpkg -s` still succeeds for it.
    [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" = "install ok installed" ] || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "missing packages ${missing[*]} and no apt-get to install them"
  if [ $apt_updated -eq 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  log "installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# The prerequisites and the build of conun-node with the `runtime-benchmarks` feature, whose
# benchmarking CLI needs RocksDB (a C++ build with clang), which the default node avoids.
build_benchmark_node() {
  SKIP_BUILD=1 "$REPO_ROOT/scripts/setup.sh"
  apt_install clang libclang-dev python3
  log "building conun-node --features runtime-benchmarks"
  (cd "$REPO_ROOT" && cargo build --locked --release -p conun-node --features runtime-benchmarks)
}
