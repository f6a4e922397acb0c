#!/bin/sh
# Container entrypoint: optional start-up tasks, then the command (serve.sh by default: nginx in front of gunicorn).
#   RUN_MIGRATIONS=1  apply migrations under a PostgreSQL advisory lock first
#   SEED_DEMO=1       load the demo data (local docker compose only)
# A deploy runs the release step as the command instead: `docker run ... IMAGE ./release.sh`
# (migrations, the application's database role, the deploy check account; see release.sh).
set -eu

is_true() {
  case "${1:-}" in
    1 | true | TRUE | True | yes | on) return 0 ;;
    *) return 1 ;;
  esac
}

if is_true "${RUN_MIGRATIONS:-}"; then
  python manage.py migrate_locked
fi
if is_true "${SEED_DEMO:-}"; then
  python manage.py seed_demo
fi

exec "$@"
