#!/usr/bin/env bash
# The README's first command. On a fresh machine it installs what is missing, builds, starts a
# local chain (conun-node --dev) and three providers (conun-worker, each with its own key, data
# directory and ports), then runs the sum-range example as Alice with R = 3: the sum of
# 1..=100,000,000 in 100 wasm tasks, each run by three providers who must agree. It prints the
# verified answer (checked against n(n+1)/2), the CON paid and the time taken, and stops
# everything it started.
#
#   scripts/demo.sh           run the demo, then stop
#   scripts/demo.sh --keep    leave the chain and the workers running afterwards (Ctrl-C stops
#                             them), to explore with `conun` or polkadot.js apps
#
# Ports (all on 127.0.0.1): CONUN_DEMO_RPC_PORT (9944), then the four after CONUN_DEMO_BASE_PORT
# (30600) for the CLI and the workers' libp2p, and three after 9700 for the workers' metrics.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

keep=0
for arg in "$@"; do
  case "$arg" in
    --keep) keep=1 ;;
    -h|--help) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $arg (try --help)" ;;
  esac
done

"$REPO_ROOT/scripts/setup.sh"
"$REPO_ROOT/scripts/build-examples.sh"
CONUN="$CARGO_TARGET_DIR/release/conun"
WORKER="$CARGO_TARGET_DIR/release/conun-worker"
for binary in "$CONUN_NODE" "$CONUN" "$WORKER"; do [ -x "$binary" ] || die "$binary is missing (scripts/setup.sh builds it)"; done

rpc=${CONUN_DEMO_RPC_PORT:-9944}
base=${CONUN_DEMO_BASE_PORT:-30600}
port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in "$rpc" $((base)) $((base + 1)) $((base + 2)) $((base + 3)); do
  port_taken "$port" && die "port $port is in use (another node or demo?); set CONUN_DEMO_RPC_PORT / CONUN_DEMO_BASE_PORT"
done
url="ws://127.0.0.1:$rpc"

dir="$(mktemp -d -t conun-demo.XXXXXX)"
pids=()
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ ${#pids[@]} -gt 0 ]; then
    log "stopping the workers and the chain"
    # Workers first (they were started last), the node last; each stops cleanly on SIGTERM.
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[$i]}" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  fi
  if [ $status -ne 0 ]; then
    log "logs kept in $dir (node.log, */worker.log)"
  elif [ $keep -eq 0 ]; then
    rm -rf "$dir"
  fi
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "starting conun-node --dev (RPC $url, chain in $dir/chain)"
"$CONUN_NODE" --dev --base-path "$dir/chain" --rpc-port "$rpc" --port $((base + 10)) \
  --no-telemetry --no-mdns --no-prometheus 2>"$dir/node.log" &
pids+=($!)
for _ in $(seq 1 60); do
  curl -sf -H 'Content-Type: application/json' -d '{"id":1,"jsonrpc":"2.0","method":"system_health"}' \
    "http://127.0.0.1:$rpc" >/dev/null 2>&1 && break
  kill -0 "${pids[0]}" 2>/dev/null || { tail -20 "$dir/node.log" >&2; die "conun-node stopped"; }
  sleep 1
done

runtimes=wasm
docker info >/dev/null 2>&1 && runtimes=wasm,docker
i=0
for name in Bob Charlie Dave; do
  i=$((i + 1))
  w="$dir/${name,,}"; mkdir -p "$w"
  p2p=$((base + i))
  args=(--node "$url" --key "//$name" --data-dir "$w" --runtimes "$runtimes"
        --listen "/ip4/127.0.0.1/tcp/$p2p" --public-addrs "/ip4/127.0.0.1/tcp/$p2p"
        --metrics "127.0.0.1:$((9700 + i))" --cores 1 --memory-mib 256 --max-tasks 50)
  "$WORKER" "${args[@]}" register --stake 1000 >"$w/register.log" 2>&1 \
    || { cat "$w/register.log" >&2; die "$name could not register as a provider"; }
  "$WORKER" "${args[@]}" run 2>"$w/worker.log" &
  pids+=($!)
  log "provider $name: conun-worker running ($runtimes, 50 tasks at once, metrics http://127.0.0.1:$((9700 + i))/metrics)"
done

"$CONUN" --node "$url" --data-dir "$dir/alice" providers
log "Alice submits examples/sum-range/job.toml (100 tasks × 3 replicas)"
start=$(date +%s)
"$CONUN" --node "$url" --account alice --data-dir "$dir/alice" --listen "/ip4/127.0.0.1/tcp/$base" \
  job submit "$REPO_ROOT/examples/sum-range/job.toml" --out "$dir/results"
took=$(( $(date +%s) - start ))

answer="$(cat "$dir/results/answer.txt")"
expected=$(( 100000000 * 100000001 / 2 ))
[ "$answer" = "$expected" ] || die "the verified sum is $answer, but n(n+1)/2 = $expected"
echo
echo "sum of 1..=100,000,000 = $answer"
echo "verified: 3 providers agreed on each of the 100 tasks, and it equals n(n+1)/2; job took ${took} s"

if [ $keep -eq 1 ]; then
  echo
  echo "still running (Ctrl-C stops everything):"
  echo "  chain:  $url   polkadot.js apps: https://polkadot.js.org/apps/?rpc=ws%3A%2F%2F127.0.0.1%3A$rpc"
  echo "  try:    $CONUN --node $url --account alice --data-dir $dir/alice --listen /ip4/127.0.0.1/tcp/$base job submit examples/mandelbrot/job.toml --out /tmp/mandelbrot"
  echo "  files:  $dir"
  wait "${pids[0]}"
fi
