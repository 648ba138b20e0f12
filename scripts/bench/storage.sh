#!/usr/bin/env bash
# A storage read and write in conun-node's database, measured on this machine: `conun-node
# benchmark storage` reads every key of a chain's state and writes them back in batches of
# 1,000, in the node's own ParityDB database, without the trie cache, and writes the average
# × 1.1 (polkadot's practice for its own) as a RuntimeDbWeight to db_weights.rs in its run
# directory. Then prints what the market's weights would be with it: scripts/market-cost.py
# over pallets/market/src/weights.rs and a transfer measured now. The runtime keeps ParityDB's
# reference weights (8 and 50 us) until the figures come from a state the size the chain will
# hold.
#
#   scripts/bench/storage.sh [BASE_PATH]    a stopped node's --base-path (default: the state
#                                            the newest scripts/bench/throughput.sh run left)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

base=${1:-}
if [ -z "$base" ]; then
  base=$(ls -td "${TMPDIR:-/tmp}"/conun-throughput.*/chain 2>/dev/null | head -1 || true)
  [ -n "$base" ] || die "no chain to measure: run scripts/bench/throughput.sh first, or pass a stopped node's --base-path"
fi
[ -d "$base/chains" ] || die "$base is not a node's --base-path (it has no chains/)"

build_benchmark_node

# The benchmark writes into the database it measures: work on a copy.
dir="$(mktemp -d -t conun-storage.XXXXXX)"
trap 'rm -rf "$dir/chain"' EXIT
cp -a "$base/." "$dir/chain/"
log "measuring reads and writes on a copy of $base ($(du -sh "$base" | cut -f1))"
"$CONUN_NODE" benchmark storage --chain dev --base-path "$dir/chain" --database paritydb \
  --state-version 1 --metric average --mul 1.1 --batch-size 1000 \
  --template-path "$REPO_ROOT/.maintain/db-weight-template.hbs" \
  --weight-path "$dir/db_weights.rs" 2>&1 | tee "$dir/storage.log" | grep -E "Reading|Writing"
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
