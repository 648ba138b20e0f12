#!/usr/bin/env bash
# Builds conun-node with the `runtime-benchmarks` feature and runs FRAME pallet benchmarks.
#   scripts/benchmark.sh                      pallet_balances, all extrinsics
#   scripts/benchmark.sh pallet_sudo '*'      another pallet / extrinsic
# The benchmarking CLI needs RocksDB (a C++ build with clang), which the default node avoids.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SKIP_BUILD=1 "$REPO_ROOT/scripts/setup.sh"
apt_install clang libclang-dev

log "building conun-node --features runtime-benchmarks"
(cd "$REPO_ROOT" && cargo build --locked --release -p conun-node --features runtime-benchmarks)

pallet="${1:-pallet_balances}" extrinsic="${2:-*}"
log "benchmarking $pallet::$extrinsic"
"$CONUN_NODE" benchmark pallet --chain dev \
  --pallet "$pallet" --extrinsic "$extrinsic" --steps 10 --repeat 5
