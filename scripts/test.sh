#!/usr/bin/env bash
# Runs every test: the Rust tests of the workspace, the end-to-end tests against real
# conun-node and conun-worker processes, the @polkadot/api client tests, and the multi-node
# tests on networks zombienet spawns (zombienet/, docs/reliability.md). Installs what is
# missing (the Docker engine included: its sandbox's tests need it) and builds first.
#
# Every step runs whatever failed before it, and every test binary of a step runs even when an
# earlier one failed (`--no-fail-fast`), so one failure never hides the rest. Each step's tests
# are counted from its own log; a step that exits non-zero with no failing test to show for it
# (it did not build, a binary crashed, the runner did not start) counts as one failure more.
# Ends with one line: "N passed, N failed".
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CONUN_REQUIRE_DOCKER=1 "$REPO_ROOT/scripts/setup.sh"
"$REPO_ROOT/scripts/build-examples.sh"

logs="$(mktemp -d)"
start=$(date +%s)
passed=0
failed=0
summary=()

# count_cargo LOG: "<passed> <failed> <binaries that failed a test> <targets cargo says failed>"
count_cargo() {
  local p f bins targets
  p=$({ grep -Eo 'test result: [a-zA-Z]+\. [0-9]+ passed' "$1" || true; } | awk '{s+=$4} END {print s+0}')
  f=$({ grep -Eo 'test result: [a-zA-Z]+\. [0-9]+ passed; [0-9]+ failed' "$1" || true; } | awk '{s+=$6} END {print s+0}')
  bins=$(grep -c 'test result: FAILED\.' "$1" || true)
  # With --no-fail-fast cargo ends with "error: N targets failed:" (or "1 target failed").
  targets=$({ grep -Eo 'error: [0-9]+ targets? failed' "$1" || true; } | awk '{s+=$2} END {print s+0}')
  echo "$p $f $bins $targets"
}

# count_node LOG: "<passed> <failed>" from node's test runner summary.
count_node() {
  local p f
  p=$({ grep -Eo '^# pass [0-9]+' "$1" || true; } | awk '{s+=$3} END {print s+0}')
  f=$({ grep -Eo '^# fail [0-9]+' "$1" || true; } | awk '{s+=$3} END {print s+0}')
  echo "$p $f 0 0"
}

# count_zndsl LOG: "<passed> <failed>" from zombienet's closing "Result: PASSED/ALL" (one per
# line of the .zndsl file).
count_zndsl() {
  local p t
  read -r p t < <({ grep -Eo 'Result: [0-9]+/[0-9]+' "$1" || true; } | tr -c '0-9\n' ' ' \
    | awk '{p+=$1; t+=$2} END {print p+0, t+0}')
  echo "$p $((t - p)) 0 0"
}

# count_build LOG: a step that builds and runs no test counts only when it fails.
count_build() { echo "0 0 0 0"; }

# step NAME KIND DIR COMMAND...: runs COMMAND in DIR, logs it, and adds its counts.
step() {
  local name=$1 kind=$2 dir=$3
  shift 3
  local log="$logs/$name.log" rc=0 p f bins targets extra=0
  log "$name: $*"
  set +e
  (cd "$dir" && "$@" 2>&1) | tee "$log"
  rc=${PIPESTATUS[0]}
  set -e
  read -r p f bins targets < <("count_$kind" "$log")
  # Binaries that ended without a result line (crashed, or never built) fail no test of their
  # own: each counts as one failure. So does a step that failed and shows nothing else.
  [ "$targets" -gt "$bins" ] && extra=$((targets - bins))
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && [ "$extra" -eq 0 ]; then extra=1; fi
  [ "$extra" -gt 0 ] && log "$name: $extra failure(s) with no test result (build, crash or runner; see above)"
  passed=$((passed + p))
  failed=$((failed + f + extra))
  summary+=("$(printf '%-12s %4d passed, %3d failed (exit %d)' "$name" "$p" "$((f + extra))" "$rc")")
}

# The code is formatted as rustfmt.toml says (polkadot-sdk's style): `cargo fmt --all` fixes it.
step format build "$REPO_ROOT" cargo fmt --all --check
cargo_test=(cargo test --locked --release --no-fail-fast)
step workspace cargo "$REPO_ROOT" "${cargo_test[@]}" --workspace
# The market's benchmarks, each run once on the mock runtime.
step benchmarks cargo "$REPO_ROOT" "${cargo_test[@]}" -p pallet-market --features runtime-benchmarks benchmarking
# conun-worker against conun-node --dev: three workers, a crash, a liar, colluders.
step worker-e2e cargo "$REPO_ROOT" "${cargo_test[@]}" -p conun-worker --features fault-injection --test e2e
# The conun CLI against conun-node --dev and its workers: the examples, a job nobody can take,
# two colluders among five workers. The colluders need the worker built with fault injection
# (the worker-e2e step has built it so already, unless it failed to).
step faulty-worker build "$REPO_ROOT" cargo build --locked --release -p conun-worker --features fault-injection
step cli-e2e cargo "$REPO_ROOT" "${cargo_test[@]}" -p conun-cli --features e2e --test e2e -- --test-threads=1 --nocapture
# conun-sandbox builds no_std for wasm32, as the runtime's referee needs it (with the cfg the
# runtime's wasm builder sets, under which sp-io leaves out its native parts).
step sandbox-nostd build "$REPO_ROOT" env CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="--cfg substrate_runtime" \
  cargo check --locked -p conun-sandbox --no-default-features --target wasm32-unknown-unknown
# @polkadot/api against real conun-node processes.
step client node "$REPO_ROOT/tests/client" npm test --silent
# Multi-node networks spawned by zombienet (zombienet/): four validators lose one and keep
# finalizing, and it catches up once back (four-validators.zndsl).
step zombienet zndsl "$REPO_ROOT" bash scripts/zombienet.sh test four-validators
# The market across zombienet's market network: the six scenarios of docs/reliability.md, one
# network shared in turn, the live chain's accounting checked after each.
step network cargo "$REPO_ROOT" "${cargo_test[@]}" -p conun-worker --features fault-injection --test network -- --test-threads=1 --nocapture

echo
echo "tests took $(($(date +%s) - start)) s"
printf '%s\n' "${summary[@]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
