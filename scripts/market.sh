# A local market for the scripts that need one (sourced after lib.sh): conun-node --dev and
# three providers (Bob, Charlie, Dave; CONUN_MARKET_PROVIDERS=4 or 5 adds Eve, then Ferdie), each
# a conun-worker with its own key, data directory and ports, all on 127.0.0.1.
#
#   market_start DIR RPC_PORT BASE_PORT   start them; logs and chains under DIR
#   market_stop                           stop them, workers first
#
# Sets MARKET_URL (the node's WebSocket RPC) and MARKET_PIDS. BASE_PORT + 1..N are the workers'
# libp2p ports and BASE_PORT + 10 the node's; BASE_PORT itself is left for a requester's CLI.
# The workers' metrics listen on 9701..970N. CONUN_WORKER_MAX_TASKS (50) sets their task slots.

MARKET_PIDS=()

market_port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

market_start() {
  local dir=$1 rpc=$2 base=$3 worker="$CARGO_TARGET_DIR/release/conun-worker"
  local max_tasks=${CONUN_WORKER_MAX_TASKS:-50} providers=${CONUN_MARKET_PROVIDERS:-3}
  local names=(Bob Charlie Dave Eve Ferdie)
  [[ "$providers" =~ ^[1-5]$ ]] || die "CONUN_MARKET_PROVIDERS must be 1 to 5 (the dev accounts Bob to Ferdie), not '$providers'"
  for port in "$rpc" $((base)) $(seq $((base + 1)) $((base + providers))) $((base + 10)); do
    market_port_taken "$port" && die "port $port is in use (another node or demo?)"
  done
  MARKET_URL="ws://127.0.0.1:$rpc"
  log "starting conun-node --dev (RPC $MARKET_URL, chain in $dir/chain)"
  "$CONUN_NODE" --dev --base-path "$dir/chain" --rpc-port "$rpc" --port $((base + 10)) \
    --no-telemetry --no-mdns --no-prometheus 2>"$dir/node.log" &
  MARKET_PIDS+=($!)
  wait_for_rpc "$rpc" "${MARKET_PIDS[0]}" "$dir/node.log"

  local runtimes=wasm i=0
  docker info >/dev/null 2>&1 && runtimes=wasm,docker
  for name in "${names[@]:0:providers}"; do
    i=$((i + 1))
    local w="$dir/${name,,}" p2p=$((base + i))
    mkdir -p "$w"
    local args=(--node "$MARKET_URL" --key "//$name" --data-dir "$w" --runtimes "$runtimes"
          --listen "/ip4/127.0.0.1/tcp/$p2p" --public-addrs "/ip4/127.0.0.1/tcp/$p2p"
          --metrics "127.0.0.1:$((9700 + i))" --cores 1 --memory-mib 256 --max-tasks "$max_tasks")
    "$worker" "${args[@]}" register --stake 1000 >"$w/register.log" 2>&1 \
      || { cat "$w/register.log" >&2; die "$name could not register as a provider"; }
    "$worker" "${args[@]}" run 2>"$w/worker.log" &
    MARKET_PIDS+=($!)
    log "provider $name: conun-worker running ($runtimes, $max_tasks tasks at once, metrics http://127.0.0.1:$((9700 + i))/metrics)"
  done
}

market_stop() {
  [ ${#MARKET_PIDS[@]} -gt 0 ] || return 0
  log "stopping the workers and the chain"
  # Workers first (they were started last), the node last; each stops cleanly on SIGTERM.
  local i pid
  for ((i = ${#MARKET_PIDS[@]} - 1; i >= 0; i--)); do kill "${MARKET_PIDS[$i]}" 2>/dev/null || true; done
  for pid in "${MARKET_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  MARKET_PIDS=()
}
