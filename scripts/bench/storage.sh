#!/usr/bin/env bash
# A storage read and write in conun-node's database, measured on this machine: `conun-node
# benchmark storage` reads every key of a chain's state and writes them back in batches of
# 1,000 (one batch in a smaller state), in the node's own ParityDB database, without the trie
# cache, and writes the average × 1.1 (polkadot's practice for its own) as a RuntimeDbWeight to
# db_weights.rs in its run directory. Then prints what the market's weights would be with it: scripts/market-cost.py
# over pallets/market/src/weights.rs and a transfer measured now.
#
# The state measured is, by default, one the size the design plans for, made here: a dev chain
# (ParityDB) filled through ordinary transactions by tests/client/tools/populate.mjs with
# PROVIDERS registered providers and TASKS queued tasks. `runtime/src/db_weights.rs`, the
# runtime's DbWeight, is this script's output on that state (docs/benchmarks.md).
#
#   scripts/bench/storage.sh                     10,000 providers, 100,000 queued tasks
#   CONUN_STATE_PROVIDERS=N CONUN_STATE_TASKS=M scripts/bench/storage.sh     another size
#   scripts/bench/storage.sh BASE_PATH           a stopped node's --base-path instead (ParityDB),
#                                                such as the chain scripts/bench/throughput.sh left
#
# The state is built with RPC on CONUN_BENCH_RPC_PORT (9960) and libp2p on 30810, 127.0.0.1.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

base=${1:-}
providers=${CONUN_STATE_PROVIDERS:-10000}
tasks=${CONUN_STATE_TASKS:-100000}
[[ "$providers" =~ ^[0-9]+$ && "$tasks" =~ ^[0-9]+$ ]] || die "CONUN_STATE_PROVIDERS and CONUN_STATE_TASKS must be numbers"
[ -z "$base" ] || [ -d "$base/chains" ] || die "$base is not a node's --base-path (it has no chains/)"

build_benchmark_node

dir="$(mktemp -d -t conun-storage.XXXXXX)"
cleanup() {
  stop_filled_chain
  rm -rf "$dir/chain"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -n "$base" ]; then
  # The benchmark writes into the database it measures: work on a copy.
  cp -a "$base/." "$dir/chain/"
  what="a copy of $base"
else
  rpc=${CONUN_BENCH_RPC_PORT:-9960}
  log "a dev chain filled with $providers providers and $tasks queued tasks (RPC 127.0.0.1:$rpc)"
  start_filled_chain "$dir" "$rpc" 30810 "$providers" "$tasks" 1
  cat "$dir/populate.json"
  stop_filled_chain
  what="a dev chain with $providers providers and $tasks queued tasks"
fi
log "measuring reads and writes on $what ($(du -sh "$dir/chain" | cut -f1))"
# measure BATCH: the benchmark, writing in batches of BATCH keys.
measure() {
  "$CONUN_NODE" benchmark storage --chain dev --base-path "$dir/chain" --database paritydb \
    --state-version 1 --metric average --mul 1.1 --batch-size "$1" \
    --template-path "$REPO_ROOT/.maintain/db-weight-template.hbs" \
    --weight-path "$dir/db_weights.rs" >"$dir/storage.log" 2>&1
}
if ! measure 1000; then
  # A state of fewer keys than a batch leaves the benchmark nothing to time; it then fails with
  # "Empty input is invalid". Such a state is written back in one batch of all its keys.
  keys=$(sed -nE 's/.*Reading ([0-9]+) keys.*/\1/p' "$dir/storage.log" | head -1)
  [[ "$keys" =~ ^[0-9]+$ ]] && [ "$keys" -lt 1000 ] ||
    die "conun-node benchmark storage failed: $(tail -3 "$dir/storage.log")"
  log "the state holds $keys keys, fewer than a batch of 1,000: writing them in one batch"
  measure "$keys" || die "conun-node benchmark storage failed: $(tail -3 "$dir/storage.log")"
fi
grep -E "Reading|Writing" "$dir/storage.log"
read_ns=$(sed -nE 's/.*read: ([0-9_]+) \*.*/\1/p' "$dir/db_weights.rs" | tr -d _)
write_ns=$(sed -nE 's/.*write: ([0-9_]+) \*.*/\1/p' "$dir/db_weights.rs" | tr -d _)
grep -E "^//! (Reads|Writes)" "$dir/db_weights.rs"
echo "measured: a read $read_ns ns ($(awk -v r="$read_ns" 'BEGIN { printf "%.2f", r / 8000 }')x ParityDB's reference 8,000), a write $write_ns ns ($(awk -v w="$write_ns" 'BEGIN { printf "%.2f", w / 50000 }')x its 50,000)"
log "baseline: pallet_balances::transfer_keep_alive"
"$CONUN_NODE" benchmark pallet --chain dev --pallet pallet_balances \
  --extrinsic transfer_keep_alive --steps 10 --repeat 5 >"$dir/transfer.txt" 2>&1
echo
echo "the market's weights priced with the measured figures:"
CONUN_DB_WEIGHTS="$read_ns,$write_ns" python3 "$REPO_ROOT/scripts/market-cost.py" \
  "$REPO_ROOT/pallets/market/src/weights.rs" "$dir/transfer.txt"
log "db_weights.rs and the log in $dir"
