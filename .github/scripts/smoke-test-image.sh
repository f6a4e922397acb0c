#!/usr/bin/env bash
# Smoke test of a freshly built Maticko image, run by CI before the image is scanned
# and handed to the deploy: start the container the way an instance does (production
# settings, RUN_MIGRATIONS=1) against the job's PostgreSQL service, then require
# GET /health/ to answer 200 with the image's own version, and the process to run as
# the unprivileged user.
#
# Environment: IMAGE (local image reference), IMAGE_TAG (the version /health/ must
# report), DATABASE_URL (PostgreSQL reachable from the host network), LOG_DIR (where
# the container's log is written for the failure artefacts).
set -euo pipefail

: "${IMAGE:?IMAGE is required}" "${IMAGE_TAG:?IMAGE_TAG is required}"
: "${DATABASE_URL:?DATABASE_URL is required}" "${LOG_DIR:?LOG_DIR is required}"

NAME=maticko-smoke-test
PORT=${SMOKE_PORT:-8000}
ATTEMPTS=${SMOKE_ATTEMPTS:-60}
mkdir -p "$LOG_DIR"
body=$(mktemp)

cleanup() {
  docker logs "$NAME" > "$LOG_DIR/container.log" 2>&1 || true
  docker rm --force "$NAME" > /dev/null 2>&1 || true
  rm -f "$body"
}
trap cleanup EXIT

user=$(docker image inspect --format '{{.Config.User}}' "$IMAGE")
if [ "$user" != "10001:10001" ]; then
  echo "::error::the image runs as '$user', expected the unprivileged user 10001:10001"
  exit 1
fi

secret_key=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')
docker run --detach --name "$NAME" --network host \
  --env SECRET_KEY="$secret_key" \
  --env ALLOWED_HOSTS=127.0.0.1,localhost \
  --env DATABASE_URL="$DATABASE_URL" \
  --env RUN_MIGRATIONS=1 \
  --env GUNICORN_BIND="127.0.0.1:$PORT" \
  --env WEB_CONCURRENCY=2 \
  "$IMAGE" > /dev/null

status=000
for _ in $(seq 1 "$ATTEMPTS"); do
  if [ "$(docker inspect --format '{{.State.Running}}' "$NAME")" != true ]; then
    echo "::error::the container exited before /health/ answered (log in the failure artefacts)"
    docker logs --tail 50 "$NAME" || true
    exit 1
  fi
  status=$(curl --silent --show-error --max-time 5 --output "$body" --write-out '%{http_code}' \
    "http://127.0.0.1:$PORT/health/" || true)
  if [ "$status" = 200 ]; then break; fi
  sleep 2
done

if [ "$status" != 200 ]; then
  echo "::error::/health/ did not answer 200 (last status: $status)"
  cat "$body" || true
  exit 1
fi
version=$(jq -r '.version // empty' "$body")
if [ "$version" != "$IMAGE_TAG" ]; then
  echo "::error::/health/ reports version '$version', expected '$IMAGE_TAG'"
  exit 1
fi
echo "Smoke test passed: $(cat "$body")"
