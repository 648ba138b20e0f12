#!/usr/bin/env bash
# Measures block time, finality lag and idle memory of a dev chain and of the four-validator
# local network (figures for docs/ci.md). Usage: scripts/measure-chain.sh [blocks]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ -x "$CONUN_NODE" ] || "$REPO_ROOT/scripts/setup.sh"
cd "$REPO_ROOT/tests/client"
node tools/measure-chain.mjs dev "${1:-20}"
node tools/measure-chain.mjs local "${1:-20}"
