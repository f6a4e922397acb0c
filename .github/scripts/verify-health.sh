#!/usr/bin/env bash
# After deploy-layered.sh: verify the release through the public entry point, the
# load balancer. GET <SiteUrl>health/ (SiteUrl: output of the application stack) must
# answer 200 with JSON whose "version" is IMAGE_TAG, REQUIRED_SUCCESSES times in a
# row, so that no instance of the previous release still answers behind the load
# balancer. Retries for at most ATTEMPTS x DELAY seconds.
#
# Environment: STACK_ENV (dev or prod), IMAGE_TAG; optional ATTEMPTS (default 60),
# DELAY (seconds, default 5), REQUIRED_SUCCESSES (default 5).
# Output (GITHUB_OUTPUT): site-url.
set -euo pipefail

: "${STACK_ENV:?STACK_ENV is required}" "${IMAGE_TAG:?IMAGE_TAG is required}"
ATTEMPTS=${ATTEMPTS:-60}
DELAY=${DELAY:-5}
REQUIRED_SUCCESSES=${REQUIRED_SUCCESSES:-5}

stack="maticko-application-$STACK_ENV"
site_url=$(aws cloudformation describe-stacks --stack-name "$stack" \
  --query "Stacks[0].Outputs[?OutputKey=='SiteUrl'].OutputValue | [0]" --output text)
case "$site_url" in
  http://* | https://*) ;;
  *)
    echo "::error::$stack has no usable SiteUrl output ('$site_url')"
    exit 1
    ;;
esac
if [ -n "${GITHUB_OUTPUT:-}" ]; then echo "site-url=$site_url" >> "$GITHUB_OUTPUT"; fi
url="${site_url%/}/health/"

body=$(mktemp)
trap 'rm -f "$body"' EXIT
successes=0
status=000
version=""
for attempt in $(seq 1 "$ATTEMPTS"); do
  status=$(curl --silent --show-error --max-time 10 --output "$body" --write-out '%{http_code}' \
    "$url" || true)
  version=""
  if [ "$status" = 200 ]; then version=$(jq -r '.version // empty' "$body" 2> /dev/null || true); fi
  if [ "$status" = 200 ] && [ "$version" = "$IMAGE_TAG" ]; then
    successes=$((successes + 1))
    if [ "$successes" -ge "$REQUIRED_SUCCESSES" ]; then
      echo "$url answers 200 with version $IMAGE_TAG ($successes times in a row)"
      exit 0
    fi
  else
    successes=0
    echo "attempt $attempt/$ATTEMPTS: HTTP $status, version '${version:-?}'; waiting for $IMAGE_TAG"
  fi
  sleep "$DELAY"
done

echo "::error::$url did not answer 200 with version $IMAGE_TAG (last: HTTP $status, version '${version:-?}')"
head -c 2000 "$body" || true
echo
exit 1
