#!/usr/bin/env bash
# Runs infrastructure/deploy-layered.sh for a pipeline job, either as a plan (PLAN=true:
# change sets of all three layers in the job summary, nothing changed) or as the deploy of
# IMAGE_TAG to LAYERS. Both use the same AMI choice, so the plan shows what the deploy does:
#   - manual runs (AUTOMATIC=false: a redeploy or rollback by hand) keep the running AMI;
#   - automatic dev runs (AMI_POLICY=refresh) take the latest Amazon Linux 2023 AMI;
#   - automatic production runs (AMI_POLICY=from-dev) take the AMI dev was just verified
#     with (DEV_AMI_ID), unless dev runs in another region (DEV_REGION), where AMI ids
#     differ: then the latest one.
# deploy-layered.sh sends no notices (--no-notify): notify.sh sends the job's one notice.
#
# Environment: STACK_ENV, AWS_REGION, AUTOMATIC, AMI_POLICY (refresh or from-dev),
# DEV_AMI_ID, DEV_REGION, PLAN; for a deploy IMAGE_TAG and LAYERS.
set -euo pipefail

: "${STACK_ENV:?STACK_ENV is required}" "${AWS_REGION:?AWS_REGION is required}"
: "${AMI_POLICY:?AMI_POLICY is required}"
AUTOMATIC=${AUTOMATIC:-true}
PLAN=${PLAN:-false}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

args=(--environment "$STACK_ENV" --region "$AWS_REGION" --no-notify)
if [ "$AUTOMATIC" = true ]; then
  case "$AMI_POLICY" in
    refresh) args+=(--refresh-ami) ;;
    from-dev)
      if [ -n "${DEV_AMI_ID:-}" ] && [ "${DEV_REGION:-}" = "$AWS_REGION" ]; then
        args+=(--ami-id "$DEV_AMI_ID")
      else
        args+=(--refresh-ami)
      fi
      ;;
    *)
      echo "::error::AMI_POLICY must be refresh or from-dev, not '$AMI_POLICY'"
      exit 1
      ;;
  esac
fi

if [ "$PLAN" = true ]; then
  args+=(--plan --layers "networking,database,application")
else
  : "${IMAGE_TAG:?IMAGE_TAG is required}" "${LAYERS:?LAYERS is required}"
  args+=(--layers "$LAYERS" --image-tag "$IMAGE_TAG")
fi
echo "deploy-layered.sh ${args[*]}"
exec bash "$ROOT/infrastructure/deploy-layered.sh" "${args[@]}"
