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

# A dev chain (ParityDB) filled through ordinary transactions, for the benchmarks that measure
# a state of a chosen size (bench/storage.sh, bench/scale-node.sh).
# start_filled_chain DIR RPC_PORT P2P_PORT PROVIDERS TASKS MAX_TASKS: starts conun-node --dev
# with its chain in DIR/chain and its log in DIR/node.log (RPC and libp2p on 127.0.0.1), fills
# it with tests/client/tools/populate.mjs (its JSON line in DIR/populate.json), and leaves it
# running (filled_chain_pid) until stop_filled_chain.
filled_chain_pid=
start_filled_chain() {
  local dir=$1 rpc=$2 p2p=$3 providers=$4 tasks=$5 max_tasks=$6
  (exec 3<>"/dev/tcp/127.0.0.1/$rpc") 2>/dev/null && die "port $rpc is in use (another node?)"
  "$CONUN_NODE" --dev --database paritydb --base-path "$dir/chain" --rpc-port "$rpc" \
    --port "$p2p" --no-telemetry --no-mdns --no-prometheus --pool-limit 16384 2>"$dir/node.log" &
  filled_chain_pid=$!
  wait_for_rpc "$rpc" "$filled_chain_pid" "$dir/node.log"
  (cd "$REPO_ROOT/tests/client" &&
    timeout 2000 node tools/populate.mjs "ws://127.0.0.1:$rpc" "$providers" "$tasks" "$max_tasks") \
    >"$dir/populate.json"
}
stop_filled_chain() {
  [ -z "$filled_chain_pid" ] || { kill "$filled_chain_pid" 2>/dev/null; wait "$filled_chain_pid" 2>/dev/null || true; }
  filled_chain_pid=
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
