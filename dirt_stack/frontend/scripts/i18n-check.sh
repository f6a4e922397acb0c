#!/usr/bin/env bash
# Check that the page catalogs (src/locales/<code>/messages.po) are complete and current:
# Lingui extracts the messages of src/ into a copy of the catalogs, which must equal the
# committed ones (a message wrapped or changed without `npm run i18n:extract` fails), and
# compiles the copy with --strict (a message without a German, French, Spanish or Czech
# translation fails, and so does a translation that is not valid ICU MessageFormat).
# `make lint` runs this through `make lint-i18n`.
#
# Usage: scripts/i18n-check.sh
set -euo pipefail

FRONTEND_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$FRONTEND_DIR"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -R src/locales "$work/locales"

LINGUI_CATALOGS="$work/locales" npx --no-install lingui extract --clean >"$work/extract.log" 2>&1 ||
  { cat "$work/extract.log" >&2; exit 1; }
if ! diff -r -u src/locales "$work/locales" >"$work/diff"; then
  cat "$work/diff" >&2
  echo "i18n-check: the catalogs are not current: run 'npm run i18n:extract' in dirt_stack/frontend, translate the new messages, and commit src/locales/." >&2
  exit 1
fi

if ! LINGUI_CATALOGS="$work/locales" npx --no-install lingui compile --strict >"$work/compile.log" 2>&1; then
  cat "$work/compile.log" >&2
  echo "i18n-check: a catalog misses translations or has an invalid one (see above)." >&2
  exit 1
fi
echo "i18n-check: the catalogs are complete and current."
