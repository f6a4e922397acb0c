#!/bin/sh
# The release step of a deploy, run once per instance before its web container starts
# (infrastructure/docs/0022-database-roles-and-connections.md):
#
#   docker run --rm --env-file /etc/maticko/release.env IMAGE ./release.sh
#
# DATABASE_URL is the master user's URL to the database instance (never the proxy):
# only this step may change the schema and the roles. It
#   1. applies the migrations under an advisory lock (manage.py migrate_locked),
#   2. when APP_DATABASE_USER is set, creates or updates that login role with
#      APP_DATABASE_PASSWORD, a member of the row-access-only group maticko_app,
#   3. when DEPLOY_CHECK_EMAIL is set, creates or updates the account the deploy
#      pipeline logs in with (DEPLOY_CHECK_PASSWORD).
# Any failure stops it with a non-zero status, and the web container is not started.
set -eu

# One process, one connection at a time: a pool would only retry a refused login
# until its timeout and report that instead of the database's own error.
export DATABASE_POOL=false

python manage.py migrate_locked --verbosity 1
if [ -n "${APP_DATABASE_USER:-}" ]; then
  python manage.py ensure_app_role
fi
if [ -n "${DEPLOY_CHECK_EMAIL:-}" ]; then
  python manage.py ensure_deploy_check_account
fi
echo "release: done"
