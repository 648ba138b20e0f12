#!/usr/bin/env bash
# Builds conun-node with the `runtime-benchmarks` feature and runs FRAME pallet benchmarks.
#   scripts/benchmark.sh                      pallet_market: every call and hook step; writes
#                                             pallets/market/src/weights.rs, then measures
#                                             transfer_keep_alive in the same run and prints
#                                             the cost of a verified replica against it
#   scripts/benchmark.sh pallet_balances '*'  another pallet / extrinsic (printed only)
# The benchmarking CLI needs RocksDB (a C++ build with clang), which the default node avoids.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

build_benchmark_node

pallet="${1:-pallet_market}" extrinsic="${2:-*}"
output=()
if [ "$pallet" = pallet_market ] && [ "$extrinsic" = '*' ]; then
  output=(--output "$REPO_ROOT/pallets/market/src/weights.rs"
          --template "$REPO_ROOT/.maintain/pallet-weight-template.hbs")
fi
log "benchmarking $pallet::$extrinsic"
"$CONUN_NODE" benchmark pallet --chain dev \
  --pallet "$pallet" --extrinsic "$extrinsic" --steps "${STEPS:-10}" --repeat "${REPEAT:-5}" \
  "${output[@]}"

if [ "${#output[@]}" -gt 0 ]; then
  log "baseline: pallet_balances::transfer_keep_alive"
  baseline="$(mktemp)"
  "$CONUN_NODE" benchmark pallet --chain dev --pallet pallet_balances \
    --extrinsic transfer_keep_alive --steps "${STEPS:-10}" --repeat "${REPEAT:-5}" | tee "$baseline"
  python3 "$REPO_ROOT/scripts/market-cost.py" "$REPO_ROOT/pallets/market/src/weights.rs" "$baseline"
fi
