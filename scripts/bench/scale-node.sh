#!/usr/bin/env bash
# Scale on a real node: what assigning a task and making its verdict final cost the block
# author, in real execution time, in a small market (10 providers, 10 queued tasks), a middle one
# (1,000 providers, 1,000 queued tasks) and one the size the design plans for (10,000 providers,
# 100,000 queued tasks). The design's target: flat within 1.2x.
#
# For each market: a dev chain (ParityDB) filled through ordinary transactions
# (tests/client/tools/populate.mjs, each provider offering 64 replicas at once, the most a
# newcomer may run), then one job of R = 3 that the providers' price floor accepts
# (tests/client/tools/assign-job.mjs), whose replicas the hook assigns in the next blocks.
# The providers then commit and reveal one agreed result per task (tools/answer-job.mjs holds
# their keys; nothing is executed), and the hook makes the verdicts final when their challenge
# period ends: what is measured is the assignments and those verdicts. Then the node is
# stopped and `conun-node benchmark block` executes those blocks again on the node's own
# database, REPEAT (5) times each, and reports each block's execution time against the weight
# it was charged:
# first without the trie cache (every read from the database: the worst case, a node just
# started), then with it (a running node's: its 1 GiB default holds a state this size whole;
# the block's first execution fills it). scripts/bench/scale-node.py prints the time per task
# in each market, their ratios, and how much of its weight each block used (over 100 % would
# mean the weights undercharge). It also counts the providers each block wrote to: a provider
# holding many of the block's replicas has its records written once, so ten providers make for
# cheap blocks whatever the code does; it separates that from what the state's size adds.
#
#   scripts/bench/scale-node.sh [OUT_DIR]
#   CONUN_SCALE_PROVIDERS=N CONUN_SCALE_QUEUED=M scripts/bench/scale-node.sh    another large size
#
# The chains use RPC on CONUN_BENCH_RPC_PORT (9961) and libp2p on 30811, 127.0.0.1. About 10
# minutes, most of it filling the large chain and waiting out the challenge periods.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

out=${1:-$(mktemp -d -t conun-scale-node.XXXXXX)}
mkdir -p "$out"
rpc=${CONUN_BENCH_RPC_PORT:-9961}
# The same work in both markets: one job of 200 tasks, which the hook assigns in one block (the
# small market's ten providers hold 640 replicas at most), and whose verdicts it makes final in
# one block. The time per task grows with the tasks a block holds (a larger storage root to
# compute), so markets are compared at the same count.
tasks=200

build_benchmark_node
(cd "$REPO_ROOT/tests/client" && [ -d node_modules ] || npm ci --silent)

trap stop_filled_chain EXIT
trap 'exit 130' INT TERM

# market NAME PROVIDERS QUEUED TASKS: builds the market, has a job of TASKS tasks assigned,
# answered and verified in it, and times the blocks from the job's to its last verdict.
market() {
  local name=$1 providers=$2 queued=$3 tasks=$4 chain="$out/$1/chain"
  rm -rf "$out/$name"
  mkdir -p "$out/$name"
  log "$name: a dev chain with $providers providers and $queued queued tasks"
  start_filled_chain "$out/$name" "$rpc" 30811 "$providers" "$queued" 64
  log "$name: $(cat "$out/$name/populate.json")"
  (cd "$REPO_ROOT/tests/client" &&
    timeout 400 node tools/assign-job.mjs "ws://127.0.0.1:$rpc" "$tasks") >"$out/$name/assign.json"
  local job from to
  job=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["job"])' "$out/$name/assign.json")
  log "$name: the providers answer job $job; the verdicts become final after the challenge period"
  (cd "$REPO_ROOT/tests/client" &&
    timeout 600 node tools/answer-job.mjs "ws://127.0.0.1:$rpc" "$job" "$providers") >"$out/$name/answer.json"
  stop_filled_chain
  # From the block before the job's (the market at rest) to the last verdict.
  from=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["postedAt"] - 1)' "$out/$name/assign.json")
  to=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["blocks"][-1]["number"])' "$out/$name/answer.json")
  log "$name: executing blocks $from to $to again, ${REPEAT:-5} times each, the trie cache off"
  "$CONUN_NODE" benchmark block --chain dev --base-path "$chain" --database paritydb \
    --from "$from" --to "$to" --repeat "${REPEAT:-5}" 2>&1 | tee "$out/$name/blocks.log" | grep -E "Block [0-9]+ with"
  log "$name: the same with the trie cache on, as a running node has it (1 GiB by default)"
  "$CONUN_NODE" benchmark block --chain dev --base-path "$chain" --database paritydb --enable-trie-cache \
    --from "$from" --to "$to" --repeat "${REPEAT:-5}" 2>&1 | tee "$out/$name/blocks-cached.log" | grep -E "Block [0-9]+ with"
  rm -rf "$chain"
}

market small 10 10 "$tasks"
market middle 1000 1000 "$tasks"
market large "${CONUN_SCALE_PROVIDERS:-10000}" "${CONUN_SCALE_QUEUED:-100000}" "$tasks"
python3 "$REPO_ROOT/scripts/bench/scale-node.py" "$out/small" "$out/middle" "$out/large"
log "results in $out"
