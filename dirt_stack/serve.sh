#!/bin/bash
# The production server (ADR 0019): nginx on $PORT reads each request whole and hands it to
# gunicorn (gunicorn.conf.py) on 127.0.0.1:$GUNICORN_PORT, so slow clients wait in nginx,
# not in gunicorn's threads. The image's default command; tests/test_slow_clients.py runs it.
#   PORT=8000             where the load balancer connects
#   GUNICORN_PORT=8001    gunicorn, on loopback only
#   MAX_REQUEST_BODY=6m   nginx answers 413 to larger bodies
#   SERVE_RUN_DIR         nginx's configuration, pid and buffers (default /tmp/maticko-serve)
# Either process stopping stops the other. SIGTERM: nginx stops accepting and finishes its
# requests, then gunicorn finishes its own (GUNICORN_GRACEFUL_TIMEOUT).
set -euo pipefail

PORT=${PORT:-8000}
GUNICORN_PORT=${GUNICORN_PORT:-8001}
MAX_REQUEST_BODY=${MAX_REQUEST_BODY:-6m}
RUN_DIR=${SERVE_RUN_DIR:-/tmp/maticko-serve}
APP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$APP_DIR"

mkdir -p "$RUN_DIR"
sed -e "s|@LISTEN@|$PORT|g" \
  -e "s|@UPSTREAM@|127.0.0.1:$GUNICORN_PORT|g" \
  -e "s|@MAX_BODY@|$MAX_REQUEST_BODY|g" \
  -e "s|@RUN_DIR@|$RUN_DIR|g" \
  nginx.conf >"$RUN_DIR/nginx.conf"

# nginx's error log can name a request line: it is redacted and written as JSON like every other line.
nginx -c "$RUN_DIR/nginx.conf" -e stderr 2> >(exec python -m core.redact nginx) &
nginx_pid=$!
GUNICORN_BIND="127.0.0.1:$GUNICORN_PORT" gunicorn --config gunicorn.conf.py maticko.wsgi:application &
gunicorn_pid=$!

stop() {
  kill -QUIT "$nginx_pid" 2>/dev/null || true
  wait "$nginx_pid" 2>/dev/null || true
  kill -TERM "$gunicorn_pid" 2>/dev/null || true
  wait "$gunicorn_pid" 2>/dev/null || true
}
trap 'stop; exit 0' TERM INT

status=0
wait -n "$nginx_pid" "$gunicorn_pid" || status=$?
printf '{"level": "ERROR", "logger": "serve", "message": "nginx or gunicorn stopped (status %s)"}\n' "$status"
stop
exit "$status"
