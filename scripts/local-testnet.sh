#!/usr/bin/env bash
# Runs the four-validator `local` network (Alice, Bob, Charlie, Dave) on this machine until
# Ctrl-C. RPC: Alice ws://127.0.0.1:9944, Bob :9945, Charlie :9946, Dave :9947. Chains live under $BASE
# (default: a fresh temporary directory). Logs: $BASE/<name>.log.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ -x "$CONUN_NODE" ] || SKIP_BUILD=0 "$REPO_ROOT/scripts/setup.sh"
BASE="${BASE:-$(mktemp -d /tmp/conun-local.XXXXXX)}"

# A fixed network key for Alice makes her address known in advance, so the others can
# use her as their bootnode.
# zombienet/four-validators.toml is the same network, spawned and checked by zombienet.
ALICE_NODE_KEY=0000000000000000000000000000000000000000000000000000000000000001
ALICE_PEER_ID=12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp

pids=()
cleanup() { kill -INT "${pids[@]}" 2>/dev/null || true; wait || true; }
trap cleanup EXIT INT TERM

start() {
  local name=$1 index=$2; shift 2
  # A validator of a non-dev chain needs a network key; make one the first time.
  [ -f "$BASE/$name/chains/conun_local_testnet/network/secret_ed25519" ] \
    || "$CONUN_NODE" key generate-node-key --chain local --base-path "$BASE/$name" 2>/dev/null
  "$CONUN_NODE" --chain local "--$name" --base-path "$BASE/$name" \
    --port $((30333 + index)) --rpc-port $((9944 + index)) --prometheus-port $((9615 + index)) \
    --no-telemetry "$@" >"$BASE/$name.log" 2>&1 &
  pids+=($!)
  log "$name: ws://127.0.0.1:$((9944 + index)) (log: $BASE/$name.log)"
}

start alice 0 --node-key "$ALICE_NODE_KEY"
bootnode="/ip4/127.0.0.1/tcp/30333/p2p/$ALICE_PEER_ID"
start bob 1 --bootnodes "$bootnode"
start charlie 2 --bootnodes "$bootnode"
start dave 3 --bootnodes "$bootnode"
log "running; Ctrl-C stops all four"
wait
