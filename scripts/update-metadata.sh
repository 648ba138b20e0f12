#!/usr/bin/env bash
# Refreshes client/metadata/conun.scale, the runtime metadata (V16) the worker's and CLI's
# typed chain client is generated from, from a conun-node --dev built from this tree. Run it
# after changing the runtime's calls, storage, events or runtime APIs; the end-to-end tests
# fail with a pointer here when the file no longer matches the node.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

port=19944
"$CONUN_NODE" --dev --tmp --rpc-port "$port" --no-prometheus --no-telemetry >/dev/null 2>&1 &
node=$!
trap 'kill $node 2>/dev/null || true' EXIT
for _ in $(seq 60); do
  if curl -sf -H 'Content-Type: application/json' \
       -d '{"id":1,"jsonrpc":"2.0","method":"system_health","params":[]}' "http://127.0.0.1:$port" >/dev/null; then
    break
  fi
  sleep 1
done
# Metadata_metadata_at_version(16) answers Option<OpaqueMetadata>: 0x01, a compact length, and
# the prefixed metadata ("meta" + version byte + the metadata).
curl -sf -H 'Content-Type: application/json' \
  -d '{"id":1,"jsonrpc":"2.0","method":"state_call","params":["Metadata_metadata_at_version","0x10000000"]}' \
  "http://127.0.0.1:$port" | python3 -c '
import json, sys
answer = bytes.fromhex(json.load(sys.stdin)["result"][2:])
assert answer[0] == 1, "the node does not offer metadata V16"
body = answer[1:]
mode = body[0] & 3
skip = {0: 1, 1: 2, 2: 4}.get(mode) or 1 + (body[0] >> 2) + 4
metadata = body[skip:]
assert metadata[:4] == b"meta" and metadata[4] == 16, "not prefixed metadata V16"
open(sys.argv[1], "wb").write(metadata)
print(f"wrote {len(metadata)} bytes to {sys.argv[1]}")
' "$REPO_ROOT/client/metadata/conun.scale"
# subxt's macro reads the file without telling cargo, so a build after this would keep the
# client generated from the old metadata: touch the module that names it.
touch "$REPO_ROOT/client/src/runtime.rs"
