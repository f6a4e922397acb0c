#!/usr/bin/env bash
# Generate src/generated/schema.d.ts, the TypeScript types of what the server sends
# (every page's props, the REST API's bodies), from the server's pydantic schemas:
# `manage.py export_frontend_schema` writes one OpenAPI 3.1 document and
# openapi-typescript turns it into types. `npm run types` and `make types` run this.
#
# Usage: scripts/types.sh [--check]
#   --check  generate into a temporary directory and fail when the committed file
#            differs (`make lint` runs this, so a schema change needs its types)
# Environment: VENV (the Python virtual environment; default: <repo>/.venv)
set -euo pipefail

FRONTEND_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
APP_DIR=$(dirname "$FRONTEND_DIR")
VENV=${VENV:-$(dirname "$APP_DIR")/.venv}
TARGET=src/generated/schema.d.ts

check=false
case "${1:-}" in
  "") ;;
  --check) check=true ;;
  *) echo "types.sh: unknown option $1" >&2; exit 2 ;;
esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The export reads the settings but no database; a throwaway key stands in when none is set.
(cd "$APP_DIR" && SECRET_KEY=${SECRET_KEY:-export-frontend-schema} \
  "$VENV/bin/python" manage.py export_frontend_schema --output "$work/openapi.json")
"$FRONTEND_DIR/node_modules/.bin/openapi-typescript" "$work/openapi.json" --output "$work/schema.d.ts" \
  > /dev/null

cd "$FRONTEND_DIR"
if $check; then
  if ! diff -u --label "$TARGET (committed)" --label "$TARGET (from the server's schemas)" \
    "$TARGET" "$work/schema.d.ts"; then
    echo "types.sh: $TARGET differs from the server's schemas: run 'make types' and commit it." >&2
    exit 1
  fi
else
  mkdir -p "$(dirname "$TARGET")"
  cp "$work/schema.d.ts" "$TARGET"
  echo "Wrote $TARGET"
fi
