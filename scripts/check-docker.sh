#!/usr/bin/env bash
# Prints what the docker sandbox will run on: the client's and the engine's versions and the
# engine's storage, cgroups and security options, with any warning the engine gives (no pids
# or memory limits, for example). Exits non-zero, saying why, when no engine answers.
# .ci/run calls it before the tests so that a sandbox that cannot run is explained in the log's
# first lines rather than by a dozen failed tests.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

client=$(docker version --format '{{.Client.Version}} (API {{.Client.APIVersion}})' 2>/dev/null) \
  || die "no docker client on the PATH (scripts/setup.sh installs docker.io)"
echo "docker client: $client ($(command -v docker))"
if ! info=$(docker info 2>&1); then
  echo "docker engine: not answering"
  printf '%s\n' "$info" | tail -n 5 | sed 's/^/  /'
  if [ -f "$DOCKERD_LOG" ]; then
    echo "last lines of $DOCKERD_LOG:"
    tail -n 15 "$DOCKERD_LOG" | sed 's/^/  /'
  else
    echo "no $DOCKERD_LOG: dockerd was never started by scripts/setup.sh"
  fi
  die "the Docker engine is not running, so the docker sandbox cannot run"
fi
echo "docker engine: $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})')"
printf '%s\n' "$info" | grep -E '^ (Storage Driver|Cgroup Driver|Cgroup Version|Default Runtime|Kernel Version):' \
  | sed 's/^ /  /'
echo "  Security Options: $(docker info --format '{{join .SecurityOptions ", "}}' 2>/dev/null || true)"
printf '%s\n' "$info" | grep -i '^WARNING' | sed 's/^/  /' || true
