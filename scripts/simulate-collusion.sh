#!/usr/bin/env bash
# The collusion simulation of docs/security.md: the probability that a wrong result becomes
# final against the colluding share of 10,000 providers, for R = 3 and 5, under plain majority
# voting, escalation to fresh committees and the chain's wasm referee; without and with
# requester spot checks. Writes docs/figures/collusion.png (and .json) and prints the tables.
# matplotlib is installed on first use into a virtualenv under ~/.cache/conun.
#
#   scripts/simulate-collusion.sh [--trials N] [...]   extra flags go to scripts/sim/collusion.py
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

venv="${CONUN_VENV:-$HOME/.cache/conun/venv}"
if ! "$venv/bin/python" -c 'import matplotlib' 2>/dev/null; then
  command -v python3 >/dev/null || apt_install python3
  python3 -m venv "$venv" 2>/dev/null || { apt_install python3-venv; python3 -m venv "$venv"; }
  log "installing matplotlib into $venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "matplotlib==3.11.2"
fi
mkdir -p "$REPO_ROOT/docs/figures"
"$venv/bin/python" "$REPO_ROOT/scripts/sim/collusion.py" \
  --plot "$REPO_ROOT/docs/figures/collusion.png" --json "$REPO_ROOT/docs/figures/collusion.json" "$@"
echo
"$venv/bin/python" "$REPO_ROOT/scripts/sim/collusion.py" --spot-check 0.1 \
  --plot "$REPO_ROOT/docs/figures/collusion-spot-check.png" "$@"
