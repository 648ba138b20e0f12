#!/usr/bin/env bash
# Throughput end to end: one job of TASKS wasm tasks (R = 3) through the `conun` CLI and
# CONUN_BENCH_WORKERS workers (3, at most 5; scripts/market.sh: conun-node --dev, Bob, Charlie,
# Dave, then Eve and Ferdie, each `--max-tasks 1000`; the chain allows 1,024),
# after a warm-up job of 1,000 tasks a worker (R = 3: 1,000 with 3 workers, 1,667 with 5): a
# provider may hold NewcomerTasks (64) plus one per task it verified at once, so the warm-up,
# once its verdicts are final (its job finished), lifts each worker's cap to its 1,000. Each
# task sums 1,000 numbers (sum-range's program), so the machine's cores are not what is
# measured. Prints the CLI's own figure (post to last verdict) and the chain's profile of the run
# (tests/client/tools/throughput-profile.mjs): verdicts per second over the busy stretch, the
# latency from assignment to verdict in blocks, and the block weight the market's hook and the
# transactions used. Plots both (PNG).
#
#   scripts/bench/throughput.sh [TASKS] [OUT_PREFIX]   TASKS (3000); plots to OUT_PREFIX-rate.png
#                                                       and OUT_PREFIX-latency.png
#                                                       (default: the run's directory)
#
# CONUN_BENCH_JOBS=N (1; at most 6 - CONUN_BENCH_WORKERS) posts N jobs of TASKS tasks at once,
# one a requester (Alice, then Ferdie and Eve: the dev accounts no worker uses), for a run that
# outlasts the challenge period (10 blocks): its later blocks make earlier verdicts final and
# pay them while they assign, as a market that runs for long does. The profile then also
# reports that steady stretch, from the first verdict made final to the last verdict.
#
# The target (DESIGN): at least 100 verified tasks per second, bound by block weight. RPC on
# CONUN_BENCH_RPC_PORT (9961), libp2p from CONUN_BENCH_BASE_PORT (30820), all on 127.0.0.1:
# the requesters' CLIs on BASE_PORT, + 6 and + 7.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
source "$REPO_ROOT/scripts/market.sh"

tasks=${1:-3000}
[[ "$tasks" =~ ^[1-9][0-9]*$ ]] || die "TASKS must be a positive number, not '$tasks'"
workers=${CONUN_BENCH_WORKERS:-3}
[[ "$workers" =~ ^[3-5]$ ]] || die "CONUN_BENCH_WORKERS must be 3 to 5 (R = 3 needs three), not '$workers'"
jobs=${CONUN_BENCH_JOBS:-1}
[[ "$jobs" =~ ^[1-3]$ ]] && ((workers + jobs <= 6)) \
  || die "CONUN_BENCH_JOBS must be 1 to $((6 - workers)) with $workers workers (one dev account a requester), not '$jobs'"
((tasks <= 5000)) || die "TASKS must be at most 5000, the most a job may hold (MaxTasksPerJob), not $tasks"
requesters=(alice ferdie eve)
"$REPO_ROOT/scripts/setup.sh"
"$REPO_ROOT/scripts/build-examples.sh"
CONUN="$CARGO_TARGET_DIR/release/conun"

# matplotlib for the plots, in a virtual environment of the project's own.
venv="$HOME/.cache/conun/bench-venv"
if ! "$venv/bin/python" -c 'import matplotlib' 2>/dev/null; then
  log "installing matplotlib into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check matplotlib
fi

rpc=${CONUN_BENCH_RPC_PORT:-9961}
base=${CONUN_BENCH_BASE_PORT:-30820}
dir="$(mktemp -d -t conun-throughput.XXXXXX)"
prefix=${2:-$dir/throughput}
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  market_stop
  log "logs, CSV files and plots in $dir"
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

CONUN_WORKER_MAX_TASKS=1000 CONUN_MARKET_PROVIDERS="$workers" market_start "$dir" "$rpc" "$base"

# manifest NAME COUNT: sum-range's program over 1..COUNT*1000 in COUNT tasks.
manifest() {
  cat >"$dir/$1.toml" <<TOML
name = "$1"
[program]
runtime = "wasm"
wasm = "$REPO_ROOT/examples/sum-range/build/sum_range.wasm"
entry_point = "_start"
fuel = 200_000
[inputs]
range = { start = 1, end = $(($2 * 1000)), chunks = $2 }
[terms]
replicas = 3
price = "0.01"
min_reputation = 0
resources = { cores = 1, memory_mib = 16, gpus = 0 }
deadlines = { execution = 20, commit = 20, reveal = 40 }
[output]
reduce = "sum"
TOML
}

# best_block: the number of the chain's best block.
best_block() {
  local hex
  hex=$(curl -sf -H 'Content-Type: application/json' \
    -d '{"id":1,"jsonrpc":"2.0","method":"chain_getHeader","params":[]}' "http://127.0.0.1:$rpc" \
    | sed -E 's/.*"number":"0x([0-9a-f]+)".*/\1/')
  echo $((16#$hex))
}

# post NAME COUNT K: posts the job as requesters[K] (its CLI on libp2p port BASE_PORT, then
# + 6, + 7) and waits for its last verdict.
post() {
  manifest "$1" "$2"
  local port=$((base + ($3 == 0 ? 0 : 5 + $3)))
  timeout 1800 "$CONUN" --node "$MARKET_URL" --account "${requesters[$3]}" --data-dir "$dir/${requesters[$3]}" \
    --listen "/ip4/127.0.0.1/tcp/$port" job submit "$dir/$1.toml" --out "$dir/$1" >"$dir/$1.out" 2>&1
}

# verified NAME COUNT: checks that the job of `post NAME COUNT` verified every task with the
# right sum; sets BLOCKS, SECS and JOB.
verified() {
  local out="$dir/$1.out" n=$(($2 * 1000)) line
  line=$(grep -E "^finished: $2/$2 tasks verified" "$out") || { tail -20 "$out" >&2; die "$1 was not verified whole"; }
  BLOCKS=$(sed -E 's/.* in ([0-9]+) blocks.*/\1/' <<<"$line")
  SECS=$(sed -E 's/.* blocks \(([0-9.]+) ?s\).*/\1/' <<<"$line")
  JOB=$(grep -Eo 'results of job [0-9]+' "$out" | grep -Eo '[0-9]+$')
  [ "$(cat "$dir/$1/answer.txt")" = $((n * (n + 1) / 2)) ] || die "$1 has a wrong sum"
  log "$1: $2 tasks verified in $BLOCKS blocks, $SECS s (job $JOB)"
}

# submit NAME COUNT: posts the job as Alice and waits for its last verdict; sets BLOCKS, SECS,
# JOB and FROM (the best block before it was posted).
submit() {
  FROM=$(best_block)
  post "$1" "$2" 0 || { tail -20 "$dir/$1.out" >&2; die "$1 did not finish"; }
  verified "$1" "$2"
}

# Each worker verifies its share of the warm-up's replicas: 1,000 each.
submit warm-up $(((1000 * workers + 2) / 3))
# A provider's cap counts its replicas verified for good, which happens a challenge period
# after each verdict: until the warm-up's job has finished, the providers' caps are still
# rising, and the measured job would find them lower than the 1,000 the warm-up is for.
finished() { grep -q '"state": "finished"' <<<"$("$CONUN" --node "$MARKET_URL" job status "$JOB" --json)"; }
for _ in $(seq 1 120); do
  finished && break
  sleep 1
done
finished || die "the warm-up's job did not finish within 120 s of its last verdict"
if ((jobs == 1)); then
  submit measured "$tasks"
  JOBS=$JOB
  cli_rate=$(awk -v t="$tasks" -v s="$SECS" 'BEGIN { printf "%.1f", t / s }')
  cli_line="the CLI: post to last verdict in $BLOCKS blocks, $SECS s: $cli_rate tasks/s"
else
  FROM=$(best_block)
  pids=()
  for k in $(seq 0 $((jobs - 1))); do
    post "measured-$k" "$tasks" "$k" &
    pids+=($!)
  done
  for k in "${!pids[@]}"; do
    if ! wait "${pids[$k]}"; then
      kill "${pids[@]}" 2>/dev/null || true
      tail -20 "$dir/measured-$k.out" >&2
      die "measured-$k did not finish"
    fi
  done
  JOBS="" slowest=0
  for k in $(seq 0 $((jobs - 1))); do
    verified "measured-$k" "$tasks"
    JOBS="${JOBS:+$JOBS,}$JOB"
    slowest=$(awk -v a="$slowest" -v b="$SECS" 'BEGIN { print (b > a) ? b : a }')
  done
  cli_rate=$(awk -v t="$((tasks * jobs))" -v s="$slowest" 'BEGIN { printf "%.1f", t / s }')
  cli_line="the CLIs: $jobs jobs posted at once, the last one's last verdict after $slowest s: $cli_rate tasks/s"
fi

log "profiling jobs $JOBS from block $FROM"
profile=$(cd "$REPO_ROOT/tests/client" && node tools/throughput-profile.mjs "$MARKET_URL" "$JOBS" "$FROM" "$dir")
"$venv/bin/python" "$REPO_ROOT/scripts/bench/plot-throughput.py" "$dir" "$prefix"

echo
echo "$jobs × $tasks tasks (R = 3), $workers workers, one 2-core machine:"
echo "  $cli_line"
echo "  the chain: $profile"
rate=$(sed -E 's/.*"verdict_tasks_per_second":([0-9.]+).*/\1/' <<<"$profile")
echo "verdicts per second over the busy stretch: $rate (target ≥ 100): $(awk -v r="$rate" 'BEGIN { printf "%.2f", r / 100 }')× the target"
echo "plots: $prefix-rate.png, $prefix-latency.png"
