#!/usr/bin/env bash
# After deploy-layered.sh: verify the release through the public entry point, the load
# balancer, the way a visitor and an organizer use it. A health check alone cannot tell
# a broken site: /health/ is exempt from the HTTPS redirect and needs no cookie, so an
# HTTP-only environment whose pages all redirect to a dead https:// listener, or whose
# cookies are Secure-only over plain HTTP, still answers it (infrastructure review item 1).
#
#   1. GET <SiteUrl>health/ answers 200 with JSON whose "version" is IMAGE_TAG,
#      REQUIRED_SUCCESSES times in a row, so that no instance of the previous release still
#      answers; retried for at most ATTEMPTS x DELAY seconds.
#   2. GET <SiteUrl> answers 200 with the real page: an HTML document holding the Inertia
#      root (its page JSON names a component) whose script bundle loads too. Redirects are
#      followed only within the site (same scheme, host and port); one that leaves it fails,
#      with a clear message when its target does not answer.
#   3. Log in as the deploy-check account through the login form, as the frontend does:
#      the CSRF cookie from the login page, echoed in the X-XSRF-TOKEN header of a JSON POST.
#      Its credentials are the JSON {"email", "password"} of the secret named by the
#      application stack's output DeployCheckSecretArn (aws secretsmanager get-secret-value).
#   4. GET <SiteUrl>manage/ answers 200 (no redirect to the login page) with that account
#      as the page's logged-in user.
# Every failure is one ::error:: line. The password is masked in the job's log and never
# written to a command line, a file outside a private temporary directory, or the output.
#
# Environment: STACK_ENV (dev or prod), IMAGE_TAG; optional ATTEMPTS (default 60),
# DELAY (seconds, default 5), REQUIRED_SUCCESSES (default 5), CURL_MAX_TIME (seconds per
# request, default 10).
# Output (GITHUB_OUTPUT): site-url.
set -euo pipefail

: "${STACK_ENV:?STACK_ENV is required}" "${IMAGE_TAG:?IMAGE_TAG is required}"
ATTEMPTS=${ATTEMPTS:-60}
DELAY=${DELAY:-5}
REQUIRED_SUCCESSES=${REQUIRED_SUCCESSES:-5}
CURL_MAX_TIME=${CURL_MAX_TIME:-10}
MAX_REDIRECTS=5

fail() {
  echo "::error::$*"
  exit 1
}

stack="maticko-application-$STACK_ENV"
stack_output() {
  aws cloudformation describe-stacks --stack-name "$stack" \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue | [0]" --output text
}

site_url=$(stack_output SiteUrl)
case "$site_url" in
  http://* | https://*) ;;
  *) fail "$stack has no usable SiteUrl output ('$site_url')" ;;
esac
site_url="${site_url%/}/"
if [ -n "${GITHUB_OUTPUT:-}" ]; then echo "site-url=$site_url" >> "$GITHUB_OUTPUT"; fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 700 "$work"
body="$work/body"
headers="$work/headers"
cookies="$work/cookies"

# scheme://host:port of a URL, with the scheme's default port made explicit.
origin_of() {
  local url=$1 scheme rest authority host port
  scheme=${url%%://*}
  rest=${url#*://}
  authority=${rest%%/*}
  authority=${authority##*@}
  host=${authority%%:*}
  if [ "$host" != "$authority" ]; then port=${authority##*:}; else port=""; fi
  if [ -z "$port" ]; then
    if [ "$scheme" = https ]; then port=443; else port=80; fi
  fi
  printf '%s://%s:%s' "${scheme,,}" "${host,,}" "$port"
}
site_origin=$(origin_of "$site_url")
# What a browser sends as Origin: scheme://host[:port] as written in the site's URL.
origin_header=$(sed -E 's|^([A-Za-z]+://[^/]+).*|\1|' <<< "$site_url")

# One request with the session's cookie jar; sets $status and $location (absolute, empty
# when the answer is no redirect). Extra curl arguments follow the URL.
request() {
  local url=$1 out
  shift
  out=$(curl --silent --show-error --max-time "$CURL_MAX_TIME" --cookie "$cookies" --cookie-jar "$cookies" \
    --output "$body" --dump-header "$headers" --write-out '%{http_code} %{redirect_url}' "$@" "$url") ||
    fail "GET $url did not answer (curl exit $?)"
  status=${out%% *}
  location=${out#* }
}

# GET a path of the site, following redirects that stay on it; sets $status, $final_url.
get_page() {
  local url="${site_url%/}$1" hop target probe_error
  for hop in $(seq 0 "$MAX_REDIRECTS"); do
    request "$url" --header 'Accept: text/html'
    final_url=$url
    case "$status" in 301 | 302 | 303 | 307 | 308) ;; *) return 0 ;; esac
    target=$location
    [ -n "$target" ] || fail "GET $url answered $status without a Location"
    if [ "$(origin_of "$target")" != "$site_origin" ]; then
      if probe_error=$(curl --silent --show-error --max-time "$CURL_MAX_TIME" --output /dev/null "$target" 2>&1); then
        fail "GET $url redirects ($status) off the site to $target; the site is $site_url (check DomainName/SiteUrl and SECURE_SSL_REDIRECT)"
      fi
      fail "GET $url redirects ($status) to $target, which does not answer (${probe_error:-no answer}): every page is" \
        "unreachable. An environment without a certificate must run with SECURE_SSL_REDIRECT=false, SECURE_COOKIES=false" \
        "and SECURE_HSTS_SECONDS=0 (the application stack sets them when CertificateArn is empty)"
    fi
    echo "GET $url: $status to $target (within the site)"
    url=$target
    [ "$hop" -lt "$MAX_REDIRECTS" ] || fail "GET ${site_url%/}$1: more than $MAX_REDIRECTS redirects"
  done
}

# The Inertia page object of the HTML document in $body, as JSON on stdout.
page_json() {
  sed -n 's|.*<script data-page="app" type="application/json">\(.*\)|\1|p' "$body" | sed 's|</script>.*||' |
    head -n 1
}

# ---------------------------------------------------------------- 1. /health/
health_url="${site_url}health/"
successes=0
status=000
version=""
healthy=false
for attempt in $(seq 1 "$ATTEMPTS"); do
  status=$(curl --silent --show-error --max-time "$CURL_MAX_TIME" --output "$body" --write-out '%{http_code}' \
    "$health_url" || true)
  version=""
  if [ "$status" = 200 ]; then version=$(jq -r '.version // empty' "$body" 2> /dev/null || true); fi
  if [ "$status" = 200 ] && [ "$version" = "$IMAGE_TAG" ]; then
    successes=$((successes + 1))
    if [ "$successes" -ge "$REQUIRED_SUCCESSES" ]; then
      echo "$health_url answers 200 with version $IMAGE_TAG ($successes times in a row)"
      healthy=true
      break
    fi
  else
    successes=0
    echo "attempt $attempt/$ATTEMPTS: HTTP $status, version '${version:-?}'; waiting for $IMAGE_TAG"
  fi
  sleep "$DELAY"
done
if [ "$healthy" != true ]; then
  head -c 2000 "$body" || true
  echo
  fail "$health_url did not answer 200 with version $IMAGE_TAG (last: HTTP $status, version '${version:-?}')"
fi

# ---------------------------------------------------------------- 2. the home page
: > "$cookies"
get_page /
[ "$status" = 200 ] || fail "GET $final_url answered $status, not 200: the home page is broken"
grep -qi '^content-type: text/html' "$headers" || fail "GET $final_url is not an HTML document"
grep -q '<div id="app"></div>' "$body" || fail "GET $final_url has no Inertia root (<div id=\"app\">): not the application's page"
component=$(page_json | jq -r '.component // empty' 2> /dev/null || true)
[ -n "$component" ] || fail "GET $final_url has no readable Inertia page object (data-page JSON with a component)"
bundle=$(grep -o '<script type="module"[^>]* src="[^"]*"' "$body" | sed 's|.* src="\([^"]*\)"|\1|' | head -n 1)
[ -n "$bundle" ] || fail "GET $final_url names no script bundle: the page cannot start"
case "$bundle" in
  http://* | https://*) bundle_url=$bundle ;;
  /*) bundle_url="${site_url%/}$bundle" ;;
  *) bundle_url="$site_url$bundle" ;;
esac
bundle_status=$(curl --silent --show-error --max-time "$CURL_MAX_TIME" --output /dev/null --write-out '%{http_code}' \
  "$bundle_url" || true)
[ "$bundle_status" = 200 ] || fail "the page's script $bundle_url answered $bundle_status, not 200"
echo "GET $final_url: 200, page component $component, script bundle loads"

# ---------------------------------------------------------------- 3. log in
secret_arn=$(stack_output DeployCheckSecretArn)
case "$secret_arn" in
  arn:*) ;;
  *) fail "$stack has no DeployCheckSecretArn output ('$secret_arn'): cannot log in" ;;
esac
secret=$(aws secretsmanager get-secret-value --secret-id "$secret_arn" --query SecretString --output text) ||
  fail "could not read the deploy-check secret $secret_arn"
CHECK_EMAIL=$(jq -r '.email // empty' <<< "$secret" 2> /dev/null || true)
CHECK_PASSWORD=$(jq -r '.password // empty' <<< "$secret" 2> /dev/null || true)
unset secret
if [ -n "$CHECK_PASSWORD" ] && [ "${GITHUB_ACTIONS:-}" = true ]; then echo "::add-mask::$CHECK_PASSWORD"; fi
[ -n "$CHECK_EMAIL" ] && [ -n "$CHECK_PASSWORD" ] ||
  fail "the deploy-check secret $secret_arn is not JSON with an email and a password"
export CHECK_EMAIL CHECK_PASSWORD

login_path=accounts/login/
request "$site_url$login_path" --header 'Accept: text/html'
[ "$status" = 200 ] || fail "GET $site_url$login_path answered $status, not 200"
inertia_version=$(page_json | jq -r '.version // empty' 2> /dev/null || true)
# Only cookies this client would send back over the site's scheme are in the jar: curl, like
# a browser, keeps no Secure cookie received over plain HTTP.
csrf_token=$(awk '$6 == "XSRF-TOKEN" || $6 == "__Host-XSRF-TOKEN" { print $7 }' "$cookies" | tail -n 1)
[ -n "$csrf_token" ] || fail "the login page set no CSRF cookie this site's scheme can send back (${site_url%%:*}):" \
  "Secure-only cookies over plain HTTP? An environment without a certificate must run with SECURE_COOKIES=false"

# The body goes through stdin, so the password is on no command line.
request "$site_url$login_path" --request POST --data-binary @- \
  --header 'Content-Type: application/json' --header 'Accept: text/html, application/xhtml+xml' \
  --header 'X-Requested-With: XMLHttpRequest' --header 'X-Inertia: true' \
  --header "X-Inertia-Version: $inertia_version" --header "X-XSRF-TOKEN: $csrf_token" \
  --header "Origin: $origin_header" --header "Referer: $site_url$login_path" \
  < <(jq --null-input '{email: env.CHECK_EMAIL, password: env.CHECK_PASSWORD}')
case "$status" in
  301 | 302 | 303) ;;
  403) fail "the login POST was refused (403, CSRF): the CSRF cookie did not come back (Secure cookies over HTTP?) or the origin is not trusted (CSRF_TRUSTED_ORIGINS)" ;;
  429) fail "the login POST was refused (429): the deploy-check account or this address is locked out" ;;
  *)
    errors=$(jq -c '.props.errors // empty' "$body" 2> /dev/null || true)
    fail "logging in as the deploy-check account failed (HTTP $status${errors:+, errors $errors})"
    ;;
esac
echo "logged in as the deploy-check account"

# ---------------------------------------------------------------- 4. an authenticated page
request "${site_url}manage/" --header 'Accept: text/html'
[ "$status" = 200 ] || fail "GET ${site_url}manage/ as the deploy-check account answered $status${location:+ to $location}, not 200: the login did not hold (session cookie not kept?)"
user_email=$(page_json | jq -r '.props.auth.user.email // empty' 2> /dev/null || true)
[ "$user_email" = "$CHECK_EMAIL" ] ||
  fail "GET ${site_url}manage/ answered 200 but not as the deploy-check account (logged-in user: '${user_email:-none}')"
echo "GET ${site_url}manage/: 200 as the deploy-check account"
echo "release $IMAGE_TAG verified at $site_url: health, home page, login and an authenticated page"
