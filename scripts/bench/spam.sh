#!/usr/bin/env bash
# The market under spam: an honest 100-task job (examples/sum-range, R = 3) from post to its
# last verdict, RUNS times on an idle market, then RUNS times with 10,000 junk jobs queued by
# one griefer (tests/client/tools/post-junk.mjs: jobs at the chain's minimum price, below every
# provider's price floor, so they pass every check at post but nobody takes them). Prints every
# time, in blocks and in seconds, and the ratio of the medians. The target is ≤ 1.2×.
#
#   scripts/bench/spam.sh [JUNK] [RUNS]   JUNK junk jobs (10000), RUNS runs of each (3)
#
# One local market (scripts/market.sh: conun-node --dev and three workers) on 127.0.0.1, RPC on
# CONUN_BENCH_RPC_PORT (9960), libp2p from CONUN_BENCH_BASE_PORT (30800). The honest job runs
# once before the measured idle run, so that both measured runs find the workers warm.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
source "$REPO_ROOT/scripts/market.sh"

junk=${1:-10000}
runs=${2:-3}
[[ "$junk" =~ ^[0-9]+$ ]] || die "JUNK must be a number of jobs, not '$junk'"
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive number, not '$runs'"
"$REPO_ROOT/scripts/setup.sh"
"$REPO_ROOT/scripts/build-examples.sh"
CONUN="$CARGO_TARGET_DIR/release/conun"

rpc=${CONUN_BENCH_RPC_PORT:-9960}
base=${CONUN_BENCH_BASE_PORT:-30800}
dir="$(mktemp -d -t conun-spam.XXXXXX)"
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  market_stop
  [ $status -eq 0 ] && rm -rf "$dir" || log "logs kept in $dir"
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The providers work for 0.002 CON a replica or more: the honest job pays 0.01, the junk the
# chain's minimum, 0.001, so no provider ever takes junk, however high its reputation climbs.
# (A reputation nobody has is no good as junk: two honest jobs take a provider to the maximum.)
CONUN_WORKER_PRICE_FLOOR=0.002 CONUN_WORKER_MAX_TASKS=100 market_start "$dir" "$rpc" "$base"

# honest NAME: submit the sum-range job as Alice; sets BLOCKS and SECONDS_TAKEN from the CLI's
# closing line ("finished: 100/100 tasks verified, ... in N blocks (S s)").
honest() {
  local out="$dir/$1.out"
  timeout 600 "$CONUN" --node "$MARKET_URL" --account alice --data-dir "$dir/alice" \
    --listen "/ip4/127.0.0.1/tcp/$base" job submit "$REPO_ROOT/examples/sum-range/job.toml" \
    --out "$dir/$1" >"$out" 2>&1 || { cat "$out" >&2; die "the honest job ($1) did not finish"; }
  local line
  line=$(grep -E '^finished: 100/100 tasks verified' "$out") || { cat "$out" >&2; die "the honest job ($1) was not verified whole"; }
  BLOCKS=$(sed -E 's/.* in ([0-9]+) blocks.*/\1/' <<<"$line")
  SECONDS_TAKEN=$(sed -E 's/.* blocks \(([0-9.]+) ?s\).*/\1/' <<<"$line")
  [ "$(cat "$dir/$1/answer.txt")" = $((100000000 * 100000001 / 2)) ] || die "the honest job ($1) has a wrong sum"
  log "$1: $BLOCKS blocks, $SECONDS_TAKEN s"
}

# median VALUES...: the middle value (the lower middle of an even count).
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

honest warm-up
idle_blocks=() idle_seconds=()
for i in $(seq "$runs"); do
  honest "idle-$i"
  idle_blocks+=("$BLOCKS") idle_seconds+=("$SECONDS_TAKEN")
done

log "a griefer (Ferdie) posts $junk junk jobs"
junk_report=$(cd "$REPO_ROOT/tests/client" && timeout 1000 node tools/post-junk.mjs "$MARKET_URL" "$junk" //Ferdie)
log "junk: $junk_report"

# The junk stays queued for the whole measurement: it expires only after UnassignableTimeout
# (30 minutes).
spam_blocks=() spam_seconds=()
for i in $(seq "$runs"); do
  honest "spam-$i"
  spam_blocks+=("$BLOCKS") spam_seconds+=("$SECONDS_TAKEN")
done

echo
echo "honest 100-task job (R = 3), post to last verdict, $runs runs each:"
printf '  idle market:          blocks %-14s seconds %s\n' "${idle_blocks[*]}" "${idle_seconds[*]}"
printf '  with %5d junk jobs: blocks %-14s seconds %s\n' "$junk" "${spam_blocks[*]}" "${spam_seconds[*]}"
echo "  junk posted: $junk_report"
ib=$(median "${idle_blocks[@]}") is=$(median "${idle_seconds[@]}")
sb=$(median "${spam_blocks[@]}") ss=$(median "${spam_seconds[@]}")
ratio=$(awk -v a="$sb" -v b="$ib" 'BEGIN { printf "%.2f", a / b }')
seconds_ratio=$(awk -v a="$ss" -v b="$is" 'BEGIN { printf "%.2f", a / b }')
echo "medians: idle $ib blocks ($is s), spam $sb blocks ($ss s)"
echo "ratio of the medians (spam / idle): ${ratio}× in blocks, ${seconds_ratio}× in seconds (target ≤ 1.2×)"
