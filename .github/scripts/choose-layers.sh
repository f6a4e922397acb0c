#!/usr/bin/env bash
# Which CloudFormation layers a deploy applies (infrastructure review item 10). The
# networking and database layers change only when their templates change: the pipeline
# passes them no options (sizes, NAT, database class are operator decisions, made with
# deploy-layered.sh by hand). So a release whose commit leaves
# infrastructure/cloudformation/01-* and 03-* as the running release had them deploys the
# application layer only; otherwise all three, after the plan job showed their change sets
# (and, for production, a reviewer approved them). Without a running release, or when its
# commit is not in this repository's history, all three.
#
# Environment: IMAGE_TAG (the commit deployed), RUNNING_TAG (the running release's commit,
# may be empty). Output (GITHUB_OUTPUT): layers (a deploy-layered.sh --layers list).
# Needs the repository's history (actions/checkout with fetch-depth: 0).
set -euo pipefail

: "${IMAGE_TAG:?IMAGE_TAG is required}" "${GITHUB_OUTPUT:?GITHUB_OUTPUT is required}"
RUNNING_TAG=${RUNNING_TAG:-}
all=networking,database,application

if [ -z "$RUNNING_TAG" ]; then
  layers=$all
  reason="no release is running"
elif ! git cat-file -e "$RUNNING_TAG^{commit}" 2> /dev/null; then
  layers=$all
  reason="the running release $RUNNING_TAG is not in this repository's history"
elif git diff --quiet "$RUNNING_TAG" "$IMAGE_TAG" -- 'infrastructure/cloudformation/0[13]-*'; then
  layers=application
  reason="01-networking.yaml and 03-database.yaml are unchanged since the running release $RUNNING_TAG"
else
  layers=$all
  reason="$(git diff --name-only "$RUNNING_TAG" "$IMAGE_TAG" -- 'infrastructure/cloudformation/0[13]-*' | paste -sd, -) changed since the running release $RUNNING_TAG"
fi
echo "layers=$layers" >> "$GITHUB_OUTPUT"
echo "layers to deploy: $layers ($reason)"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  echo "**Layers the deploy applies:** \`$layers\` ($reason)." >> "$GITHUB_STEP_SUMMARY"
fi
