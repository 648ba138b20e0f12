#!/usr/bin/env bash
# Scale: what the market's hook pays per task as the providers and the queue grow. Runs the
# pallet's FRAME benchmarks (conun-node --features runtime-benchmarks, the wasm runtime) at
# chosen points and prints each cost against its smallest case, in the same run:
#   - assigning a task of R = 3 (`assign_task(3, p)`) with p = 17 to 10,000 providers,
#     next to the same storage reads alone (`provider_reads(p)`), the state trie's own growth;
#   - making an honest verdict of R = 3 final (`settle_in_pool(p)`) with p providers;
#   - assigning the task at the front of a queue of q = 10 to 100,000 entries
#     (`assign_with_queue(q)`).
# The target (DESIGN): assignment and verdict cost flat within 1.2x from 10 to 10,000
# providers and from 10 to 100,000 queued tasks. These benchmarks read from the FRAME
# benchmarks' in-memory database, whose growth with the state the runtime's DbWeight prices
# already: what the chain charges, and what a node spends, are scripts/bench/scale-node.sh's.
# Plots to OUT_PREFIX-scale.png.
#
#   scripts/bench/scale.sh [OUT_PREFIX]     REPEAT (5) repetitions of each point
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

build_benchmark_node

venv="$HOME/.cache/conun/bench-venv"
if ! "$venv/bin/python" -c 'import matplotlib' 2>/dev/null; then
  log "installing matplotlib into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check matplotlib
fi

dir="$(mktemp -d -t conun-scale.XXXXXX)"
prefix=${1:-$dir/scale}
# bench NAME STEPS LOW HIGH: one benchmark over its components' LOW..HIGH, as JSON.
bench() {
  log "benchmarking $1 ($3 .. $4, $2 steps)"
  "$CONUN_NODE" benchmark pallet --chain dev --pallet pallet_market --extrinsic "$1" \
    --steps "$2" --low "$3" --high "$4" --repeat "${REPEAT:-5}" \
    --json-file "$dir/$1.json" >"$dir/$1.log" 2>&1 || { tail -20 "$dir/$1.log"; die "$1 failed"; }
}
# Providers: 17 (assign_task samples the stake tree from MaxSamplingAttempts + 1 members; a
# smaller pool is looked at whole), 1,000, 10,000; queue: 10 .. 100,000.
bench assign_task 11 3,17 3,10000
bench provider_reads 11 10 10000
bench settle_in_pool 11 10 10000
bench assign_with_queue 11 10 100000
"$venv/bin/python" "$REPO_ROOT/scripts/bench/scale.py" "$dir" "$prefix"
log "JSON and logs in $dir"
