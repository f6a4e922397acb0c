#!/usr/bin/env bash
# Lints Maticko's infrastructure and shell scripts:
#   - cfn-lint on the CloudFormation templates (no finding allowed),
#   - checkov on the templates (no failed check; skips are justified in the templates),
#   - shellcheck on every *.sh file of the repository and on .ci/run.
# The tools are taken from PATH; checkov may also be given as CHECKOV=/path/to/checkov
# (it lives in its own virtualenv, see infrastructure/README.md). Exits non-zero on
# any finding or missing tool.
set -euo pipefail

INFRA_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(git -C "$INFRA_DIR" rev-parse --show-toplevel 2> /dev/null || (cd "$INFRA_DIR/.." && pwd))
CHECKOV=${CHECKOV:-checkov}

missing=0
for tool in cfn-lint "$CHECKOV" shellcheck; do
  if ! command -v "$tool" > /dev/null 2>&1; then
    echo "lint.sh: '$tool' not found: install infrastructure/requirements.txt (cfn-lint, shellcheck)" \
      "and infrastructure/requirements-checkov.txt (checkov) and put them on PATH" >&2
    missing=1
  fi
done
[ "$missing" -eq 0 ] || exit 2

status=0
templates=("$INFRA_DIR"/cloudformation/*.yaml)

echo "==> cfn-lint (${#templates[@]} templates)"
cfn-lint -- "${templates[@]}" || status=1

echo "==> checkov"
"$CHECKOV" --directory "$INFRA_DIR/cloudformation" --framework cloudformation \
  --quiet --compact --skip-download || status=1

echo "==> shellcheck"
shell_files=()
if git -C "$ROOT" rev-parse --git-dir > /dev/null 2>&1; then
  while IFS= read -r file; do
    shell_files+=("$ROOT/$file")
  done < <(git -C "$ROOT" ls-files --cached --others --exclude-standard -- '*.sh' |
    grep -Ev '(^|/)(node_modules|\.venv[^/]*|venv)/' | sort -u)
else
  while IFS= read -r file; do
    shell_files+=("$file")
  done < <(find "$ROOT" \( -name node_modules -o -name '.venv*' -o -name venv -o -name .git \) -prune \
    -o -type f -name '*.sh' -print | sort)
fi
if [ -f "$ROOT/.ci/run" ]; then shell_files+=("$ROOT/.ci/run"); fi
existing=()
for file in "${shell_files[@]}"; do
  if [ -f "$file" ]; then existing+=("$file"); fi
done
echo "${#existing[@]} file(s)"
if [ "${#existing[@]}" -gt 0 ]; then
  shellcheck --external-sources -- "${existing[@]}" || status=1
fi

if [ "$status" -ne 0 ]; then
  echo "lint.sh: findings above" >&2
else
  echo "lint.sh: clean"
fi
exit "$status"
