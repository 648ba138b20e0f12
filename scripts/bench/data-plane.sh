#!/usr/bin/env bash
# Data plane: a blob of MIB MiB (256) fetched between two conun-net nodes over libp2p on
# 127.0.0.1 (noise, yamux, every chunk verified against the manifest and stored), against a
# raw TCP copy of the same bytes on 127.0.0.1 into a file, in the same run; prints both rates
# and the ratio of their times (net/examples/data_plane.rs). Bounded to 10 minutes.
#
#   scripts/bench/data-plane.sh [MIB]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

mib=${1:-256}
[[ "$mib" =~ ^[1-9][0-9]*$ ]] || die "MIB must be a positive number, not '$mib'"
SKIP_BUILD=1 "$REPO_ROOT/scripts/setup.sh"
log "building the data-plane benchmark (conun-net, release)"
(cd "$REPO_ROOT" && cargo build --locked --release -p conun-net --example data_plane)
timeout 600 "$CARGO_TARGET_DIR/release/examples/data_plane" "$mib"
