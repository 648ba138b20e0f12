#!/usr/bin/env bash
# Sets everything up, then runs a development chain: one validator (Alice), blocks every 3 s,
# JSON-RPC and WebSocket on ws://127.0.0.1:9944, metrics on http://127.0.0.1:9615/metrics.
# Extra arguments go to conun-node (for example --base-path DIR to keep the chain).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

"$REPO_ROOT/scripts/setup.sh"

log "starting conun-node --dev (Ctrl-C stops it)"
log "polkadot.js apps: https://polkadot.js.org/apps/?rpc=ws%3A%2F%2F127.0.0.1%3A9944"
if [ $# -eq 0 ]; then set -- --tmp; fi
exec "$CONUN_NODE" --dev "$@"
