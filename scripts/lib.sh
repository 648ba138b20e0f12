# Shared settings for the scripts: one build directory outside the clone, reused everywhere.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/conun/target}"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONUN_NODE="${CONUN_NODE:-$CARGO_TARGET_DIR/release/conun-node}"
export REPO_ROOT CONUN_NODE

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }
