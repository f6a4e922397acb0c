#!/usr/bin/env bash
# `make fleet`: several instances of Maticko's production command behind HAProxy, sharing
# one PostgreSQL, in the foreground (Ctrl-C stops everything). Installs Debian's haproxy
# when it is missing, then runs infrastructure/local/fleet.py with the arguments given
# (--instances N, --port P, --stats-port P, --workers N, --no-seed; see --help).
#
# Environment:
#   DATABASE_URL  the PostgreSQL database the instances share
#                 (default postgres://postgres@127.0.0.1:5432/maticko_fleet, created if missing)
#   VENV          the virtual environment with Maticko's dependencies (default <repo>/.venv)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PYTHON=${VENV:-$ROOT/.venv}/bin/python

have_haproxy() { command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ]; }

if ! have_haproxy; then
  as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "fleet.sh: haproxy is missing; install it as root: apt-get install haproxy" >&2
      exit 1
    fi
    as_root=(sudo)
  fi
  echo "==> Installing Debian's haproxy"
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends haproxy >/dev/null
  have_haproxy || { echo "fleet.sh: haproxy did not install" >&2; exit 1; }
fi

if [ ! -x "$PYTHON" ]; then
  echo "fleet.sh: $PYTHON not found; run dirt_stack/setup.sh (or make setup) first" >&2
  exit 1
fi
exec "$PYTHON" "$HERE/fleet.py" "$@"
