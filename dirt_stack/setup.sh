#!/usr/bin/env bash
# Set up Maticko on this machine: a Python virtual environment with the pinned
# dependencies, the frontend's npm packages and Vite build, the database
# schema and the demo data. `make run`, `make test` and `make lint` call this;
# a second run skips every step whose inputs have not changed.
#
# Usage: dirt_stack/setup.sh [--dev] [--no-db] [--no-build]
#   --dev       also install the development and test tools (requirements/dev.txt;
#               the infrastructure's tools live in .venv-infra, see the Makefile)
#   --no-db     skip migrating the database and loading demo data
#   --no-build  skip the frontend build
# Environment: PYTHON (interpreter to use, 3.11+), VENV (default: <repo>/.venv),
# DATABASE_URL (default: the embedded SQLite file dirt_stack/db.sqlite3).
set -euo pipefail

APP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT_DIR=$(dirname "$APP_DIR")
VENV=${VENV:-$ROOT_DIR/.venv}
FRONTEND_DIR=$APP_DIR/frontend

dev=false
with_db=true
with_build=true
for arg in "$@"; do
  case $arg in
    --dev) dev=true ;;
    --no-db) with_db=false ;;
    --no-build) with_build=false ;;
    *) echo "setup.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
fail() { printf 'setup.sh: %s\n' "$*" >&2; exit 1; }

# A step is skipped when the checksum of its inputs matches the one stored
# after its last successful run.
checksum() { cat "$@" | sha256sum | cut -d' ' -f1; }
is_current() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }

find_python() {
  local candidate
  for candidate in ${PYTHON:-} python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

# Installed packages that infrastructure/requirements.txt pins and the application's
# requirements do not, one name a word.
infra_only_packages() {
  "$VENV/bin/python" - "$ROOT_DIR/infrastructure/requirements.txt" "$APP_DIR"/requirements/*.txt <<'PY'
import re
import sys
from importlib import metadata


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned(path):
    with open(path) as lines:
        return {
            canonical(re.split(r"[\[=<>~!;@ ]", line.strip(), maxsplit=1)[0])
            for line in lines
            if line.strip() and not line.lstrip().startswith(("#", "-"))
        }


app = set().union(*(pinned(path) for path in sys.argv[2:]))
installed = {canonical(dist.metadata["Name"]) for dist in metadata.distributions()}
print(" ".join(sorted((pinned(sys.argv[1]) - app) & installed)))
PY
}

# --- Python ---------------------------------------------------------------
if [ ! -x "$VENV/bin/python" ]; then
  python=$(find_python) || fail "Python 3.11 or newer is required (set PYTHON=/path/to/python3.11)."
  say "Creating the virtual environment in $VENV with $python"
  "$python" -m venv "$VENV"
fi

requirements=$APP_DIR/requirements/base.txt
stamp=$VENV/.maticko-requirements-base
if $dev; then
  requirements=$APP_DIR/requirements/dev.txt
  stamp=$VENV/.maticko-requirements-dev
fi
wanted=$(checksum "$APP_DIR"/requirements/*.txt)
if ! is_current "$stamp" "$wanted"; then
  say "Installing Python dependencies from ${requirements#"$ROOT_DIR"/}"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
  # The infrastructure's tools belong in .venv-infra; a .venv set up while dev.txt
  # still included infrastructure/requirements.txt holds them, so they are removed.
  stale=$(infra_only_packages)
  if [ -n "$stale" ]; then
    say "Removing the infrastructure's tools from ${VENV#"$ROOT_DIR"/} (they live in .venv-infra)"
    # shellcheck disable=SC2086 # one word per package
    "$VENV/bin/python" -m pip uninstall --quiet --disable-pip-version-check --yes $stale
  fi
  echo "$wanted" >"$stamp"
fi

# --- Translations -----------------------------------------------------------
# The server's catalogs (*/locale/*/LC_MESSAGES/django.po), compiled with Babel. Without
# Django's system checks: before the first build they only warn that it is missing.
(cd "$APP_DIR" && DEBUG=true "$VENV/bin/python" manage.py compile_catalogs -v 0 --skip-checks)

# --- Frontend -------------------------------------------------------------
command -v node >/dev/null 2>&1 || fail "Node.js 20 or newer is required."
node -e 'process.exit(Number(process.versions.node.split(".")[0]) < 20 ? 1 : 0)' ||
  fail "Node.js 20 or newer is required (found $(node --version))."

lock_sum=$(checksum "$FRONTEND_DIR/package-lock.json")
if ! is_current "$FRONTEND_DIR/node_modules/.maticko-lock" "$lock_sum"; then
  say "Installing frontend packages (npm ci)"
  (cd "$FRONTEND_DIR" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock_sum" >"$FRONTEND_DIR/node_modules/.maticko-lock"
fi

if $with_build; then
  manifest=$FRONTEND_DIR/dist/manifest.json
  if [ ! -f "$manifest" ] || [ -n "$(find "$FRONTEND_DIR/src" "$FRONTEND_DIR/vite.config.ts" "$FRONTEND_DIR/lingui.config.ts" \
    "$FRONTEND_DIR/package-lock.json" -newer "$manifest" -print -quit)" ]; then
    say "Building the frontend (vite build)"
    (cd "$FRONTEND_DIR" && npm run --silent build -- --logLevel warn)
  fi
fi

# --- Database ---------------------------------------------------------------
if $with_db; then
  # A laptop set-up runs in development mode unless told otherwise.
  export DEBUG=${DEBUG:-true}
  say "Migrating the database"
  (cd "$APP_DIR" && "$VENV/bin/python" manage.py migrate --noinput -v 0)
  say "Loading demo data"
  (cd "$APP_DIR" && "$VENV/bin/python" manage.py seed_demo)
fi
