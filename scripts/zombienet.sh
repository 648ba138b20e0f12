#!/usr/bin/env bash
# Multi-node networks of conun-node on this machine, spawned by zombienet (its native provider)
# from the definitions in zombienet/.
#
#   scripts/zombienet.sh spawn four-validators [DIR]   four validators, until Ctrl-C
#   scripts/zombienet.sh spawn market [DIR]            four validators, three providers' nodes
#                                                      each with a registered conun-worker, and
#                                                      a requester's node, until Ctrl-C
#   scripts/zombienet.sh test four-validators [DIR]    zombienet/four-validators.zndsl: one
#                                                      validator lost, then back (exit 0 if all
#                                                      its checks pass)
#
# DIR (default: a new temporary directory) holds zombie.json, each node's chain, keys and log,
# and the workers' data. Every node and worker listens on 127.0.0.1 only.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 2 ] || usage
action=$1 network=$2
definition="$REPO_ROOT/zombienet/$network.toml"
[ -f "$definition" ] || die "no network definition zombienet/$network.toml"
case "$action" in spawn | test) ;; *) usage ;; esac

ZOMBIENET="$REPO_ROOT/zombienet/node_modules/.bin/zombienet"
WORKER="$CARGO_TARGET_DIR/release/conun-worker"
if [ ! -x "$CONUN_NODE" ] || [ ! -x "$WORKER" ] || [ ! -x "$ZOMBIENET" ]; then
  SKIP_BUILD=0 "$REPO_ROOT/scripts/setup.sh"
fi
# The definitions run `conun-node` from the PATH: the release build of this checkout.
export PATH="$(dirname "$CONUN_NODE"):$PATH"
base="${3:-$(mktemp -d /tmp/conun-zombienet.XXXXXX)}"
mkdir -p "$base"
zombienet() { "$ZOMBIENET" --provider native --logType text --force --dir "$base/network" "$@"; }

if [ "$action" = test ]; then
  spec="$REPO_ROOT/zombienet/$network.zndsl"
  [ -f "$spec" ] || die "no test for $network (zombienet/$network.zndsl)"
  log "zombienet test $network (files in $base/network)"
  exec > >(tee "$base/zombienet.log") 2>&1
  zombienet test "$spec"
  exit
fi

pids=()
cleanup() {
  # Workers first, then zombienet, which stops its nodes when it is told to.
  local i
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[$i]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

log "zombienet spawn $network (files and logs in $base/network, zombienet's log $base/zombienet.log)"
zombienet spawn "$definition" >"$base/zombienet.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 600); do
  [ -s "$base/network/zombie.json" ] && node -e "JSON.parse(require('fs').readFileSync('$base/network/zombie.json'))" 2>/dev/null && break
  kill -0 "${pids[0]}" 2>/dev/null || { tail -30 "$base/zombienet.log" >&2; die "zombienet stopped"; }
  sleep 1
done
[ -s "$base/network/zombie.json" ] || die "the network did not come up in 10 minutes (see $base/zombienet.log)"

# Each node's RPC endpoint, from zombie.json.
ws_url() { node -e "console.log(require('$base/network/zombie.json').nodesByName['$1'].wsUri)"; }
for name in $(node -e "console.log(Object.keys(require('$base/network/zombie.json').nodesByName).join(' '))"); do
  log "$name: $(ws_url "$name") (log: $base/network/$name.log)"
done

if [ "$network" = market ]; then
  # One provider per provider node: each worker reads the chain through its own node first and
  # fails over to the requester's when its own is lost.
  runtimes=wasm
  docker info >/dev/null 2>&1 && runtimes=wasm,docker
  requester=$(ws_url requester)
  i=0
  for name in Bob Charlie Dave; do
    i=$((i + 1))
    own=$(ws_url "provider-$i")
    w="$base/workers/${name,,}"
    mkdir -p "$w"
    p2p=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
    args=(--node "$own,$requester" --key "//$name" --data-dir "$w" --runtimes "$runtimes"
          --listen "/ip4/127.0.0.1/tcp/$p2p" --metrics "" --cores 1 --memory-mib 256 --max-tasks 50)
    "$WORKER" "${args[@]}" register --stake 1000 >"$w/register.log" 2>&1 \
      || { cat "$w/register.log" >&2; die "$name could not register as a provider"; }
    "$WORKER" "${args[@]}" run 2>"$w/worker.log" &
    pids+=($!)
    log "provider $name: conun-worker on provider-$i ($own), log $w/worker.log"
  done
  log "requesters: conun --node $requester job submit MANIFEST (see docs/cli.md)"
fi
log "running; Ctrl-C stops the network"
wait "${pids[0]}"
