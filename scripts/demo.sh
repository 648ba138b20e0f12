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
source "$REPO_ROOT/scripts/market.sh"

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
dir="$(mktemp -d -t conun-demo.XXXXXX)"
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  market_stop
  if [ $status -ne 0 ]; then
    log "logs kept in $dir (node.log, */worker.log)"
  elif [ $keep -eq 0 ]; then
    rm -rf "$dir"
  fi
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

market_start "$dir" "$rpc" "$base"
url=$MARKET_URL

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
  wait "${MARKET_PIDS[0]}"
fi
