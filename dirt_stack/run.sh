#!/usr/bin/env bash
# The local servers: `make run` serves with this script, `make dev` with `run.sh --dev`.
# setup.sh has installed, built, migrated and loaded the demo data before.
#
# Usage: dirt_stack/run.sh [--dev]
#   (default)  the production server, gunicorn with gunicorn.conf.py, on HOST:PORT
#   --dev      Django's development server (reloads on code changes) on HOST:PORT beside
#              the Vite dev server (hot module replacement) on 127.0.0.1:VITE_DEV_SERVER_PORT;
#              either one stopping (Ctrl-C) stops both
# Environment: HOST (127.0.0.1), PORT (8000), VENV (<repo>/.venv), DEBUG (true), DATABASE_URL
# (default: the embedded SQLite file dirt_stack/db.sqlite3); every variable of README.md's
# table passes through, and one set here wins over the defaults below.
set -euo pipefail

APP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT_DIR=$(dirname "$APP_DIR")
VENV=${VENV:-$ROOT_DIR/.venv}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
cd "$APP_DIR"

dev=false
for arg in "$@"; do
  case $arg in
    --dev) dev=true ;;
    *) echo "run.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

# A laptop runs in development mode unless told otherwise: the development secret key,
# emails printed in the terminal, the demo card payments, readable logs, plain HTTP.
export DEBUG=${DEBUG:-true}
# Every buyer of a local server comes from the same address (loopback, or the router's on
# a home network), so the per-address purchase limit would be a limit on the whole server
# (the 31st purchase in a minute refused, then a proof of work for an hour). The limits
# per buyer (ADR 0016) and the proof of work under pressure stay as in production.
export PURCHASE_RATE_LIMIT=${PURCHASE_RATE_LIMIT:-0}
# One process on SQLite serves every buyer, and SQLite's writers take turns: a crowd of a
# few dozen buyers legitimately waits a second or two. Requests are shed (ADR 0029) only
# after 5 s here, not production's 1 s, where the load is spread over instances.
export REQUEST_QUEUE_DEADLINE_MS=${REQUEST_QUEUE_DEADLINE_MS:-5000}

if $dev; then
  export VITE_DEV_SERVER=true
  export VITE_DEV_SERVER_PORT=${VITE_DEV_SERVER_PORT:-5173}
  # Vite itself, not `npm run dev`: npm passes a SIGTERM on to no one, and Vite would stay.
  (cd frontend && exec node_modules/.bin/vite) &
  vite_pid=$!
  "$VENV/bin/python" manage.py runserver "$HOST:$PORT" &
  django_pid=$!
  stop() {
    kill -TERM "$vite_pid" "$django_pid" 2>/dev/null || true
    wait "$vite_pid" "$django_pid" 2>/dev/null || true
  }
  trap 'stop; exit 0' INT TERM
  status=0
  wait -n "$vite_pid" "$django_pid" || status=$?
  stop
  exit "$status"
fi

case ${DATABASE_URL:-sqlite} in
  sqlite*)
    # SQLite has one writer: one worker process whose threads take turns at the write lock
    # (settings.py: WAL, IMMEDIATE transactions, busy timeout). The on-sale room's ticker,
    # the outbox and the sweeper then run once, in that process. Its clients are not spread
    # over workers, so the cap on one worker's connections goes back to gunicorn's own.
    export WEB_CONCURRENCY=${WEB_CONCURRENCY:-1}
    export GUNICORN_THREADS=${GUNICORN_THREADS:-8}
    export GUNICORN_WORKER_CONNECTIONS=${GUNICORN_WORKER_CONNECTIONS:-1000}
    ;;
esac

case ${DEBUG,,} in
  true | yes | on | 1 | y | t) debug=true ;;
  *) debug=false ;;
esac
if ! $debug; then
  # Production settings over plain HTTP on this machine: no redirect to HTTPS, cookies
  # without Secure, no HSTS for localhost; and WhiteNoise serves the collected files.
  export SECURE_SSL_REDIRECT=${SECURE_SSL_REDIRECT:-false}
  export SECURE_COOKIES=${SECURE_COOKIES:-false}
  export BEHIND_TLS_PROXY=${BEHIND_TLS_PROXY:-false}
  export SECURE_HSTS_SECONDS=${SECURE_HSTS_SECONDS:-0}
  "$VENV/bin/python" manage.py collectstatic --noinput -v 0
fi

GUNICORN_BIND="$HOST:$PORT" exec "$VENV/bin/python" -m gunicorn --config gunicorn.conf.py maticko.wsgi:application
