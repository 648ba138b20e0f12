#!/usr/bin/env bash
# Runs every test: the Rust tests of the workspace, then the @polkadot/api client tests
# against real conun-node processes. Installs what is missing and builds first.
# Ends with one line: "N passed, N failed".
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

"$REPO_ROOT/scripts/setup.sh"
"$REPO_ROOT/scripts/build-examples.sh"

logs="$(mktemp -d)"
status=0
start=$(date +%s)

log "cargo test (workspace, release)"
(cd "$REPO_ROOT" && cargo test --locked --release --workspace 2>&1) | tee "$logs/cargo.log" || status=1
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

log "cargo test: the market's benchmarks, each run once on the mock runtime"
(cd "$REPO_ROOT" && cargo test --locked --release -p pallet-market --features runtime-benchmarks benchmarking 2>&1) \
  | tee "$logs/bench.log" || status=1
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
cat "$logs/bench.log" >> "$logs/cargo.log"

log "cargo test: conun-worker against conun-node --dev (three workers, a crash, a liar)"
(cd "$REPO_ROOT" && cargo test --locked --release -p conun-worker --features fault-injection --test e2e 2>&1) \
  | tee "$logs/e2e.log" || status=1
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
cat "$logs/e2e.log" >> "$logs/cargo.log"

log "cargo test: the conun CLI against conun-node --dev and three workers (the examples, a job nobody can take)"
(cd "$REPO_ROOT" && cargo test --locked --release -p conun-cli --features e2e --test e2e -- --test-threads=1 --nocapture 2>&1) \
  | tee "$logs/cli-e2e.log" || status=1
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
cat "$logs/cli-e2e.log" >> "$logs/cargo.log"

log "client tests (@polkadot/api) against $CONUN_NODE"
(cd "$REPO_ROOT/tests/client" && npm test --silent 2>&1) | tee "$logs/client.log" || status=1
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

cargo_passed=$(grep -Eo 'test result: [a-zA-Z]+\. [0-9]+ passed' "$logs/cargo.log" | awk '{s+=$4} END {print s+0}')
cargo_failed=$(grep -Eo '[0-9]+ failed;' "$logs/cargo.log" | awk '{s+=$1} END {print s+0}')
client_passed=$(grep -Eo '^# pass [0-9]+' "$logs/client.log" | awk '{s+=$3} END {print s+0}')
client_failed=$(grep -Eo '^# fail [0-9]+' "$logs/client.log" | awk '{s+=$3} END {print s+0}')
passed=$((cargo_passed + client_passed))
failed=$((cargo_failed + client_failed))
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi  # a build or runner failure

echo
echo "tests took $(( $(date +%s) - start )) s"
echo "rust: $cargo_passed passed, $cargo_failed failed; client: $client_passed passed, $client_failed failed"
echo "$passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
