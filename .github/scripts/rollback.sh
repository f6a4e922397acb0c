#!/usr/bin/env bash
# After a failed deploy or a failed verification (infrastructure review item 9): put the
# release that ran before back and verify it the same way.
#   - When the application stack already reports PREVIOUS_TAG, CloudFormation rolled the
#     update back by itself (an instance did not signal): only verify.
#   - Otherwise the new release is live and broken: redeploy PREVIOUS_TAG to the
#     application layer with the AMI it ran on (PREVIOUS_AMI, when known), then verify.
# Output (GITHUB_OUTPUT): outcome = rolled-back (redeployed and verified), cloudformation
# (CloudFormation had rolled back; verified) or failed (the environment needs a person).
#
# Environment: STACK_ENV, AWS_REGION, IMAGE_TAG (the failed release), PREVIOUS_TAG;
# optional PREVIOUS_AMI.
set -uo pipefail

: "${STACK_ENV:?}" "${AWS_REGION:?}" "${IMAGE_TAG:?}" "${PREVIOUS_TAG:?}" "${GITHUB_OUTPUT:?}"
SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$SCRIPTS/../.." && pwd)
stack="maticko-application-$STACK_ENV"

finish() {
  echo "outcome=$1" >> "$GITHUB_OUTPUT"
  if [ "$1" = failed ]; then exit 1; fi
  exit 0
}

current=$(aws cloudformation describe-stacks --stack-name "$stack" \
  --query "Stacks[0].Outputs[?OutputKey=='ImageTag'].OutputValue | [0]" --output text 2> /dev/null || true)
if [ "$current" = "$PREVIOUS_TAG" ]; then
  echo "$stack already runs $PREVIOUS_TAG again: CloudFormation rolled the update back"
  outcome=cloudformation
else
  echo "::warning::$IMAGE_TAG failed in $STACK_ENV: redeploying the previous release $PREVIOUS_TAG"
  args=(--environment "$STACK_ENV" --region "$AWS_REGION" --layers application
    --image-tag "$PREVIOUS_TAG" --no-notify)
  if [ -n "${PREVIOUS_AMI:-}" ] && [ "$PREVIOUS_AMI" != None ]; then args+=(--ami-id "$PREVIOUS_AMI"); fi
  if ! bash "$ROOT/infrastructure/deploy-layered.sh" "${args[@]}"; then
    echo "::error::the rollback to $PREVIOUS_TAG failed: $STACK_ENV needs a person (see README.md, Rollback)"
    finish failed
  fi
  outcome=rolled-back
fi

if ! IMAGE_TAG=$PREVIOUS_TAG bash "$SCRIPTS/verify-release.sh"; then
  echo "::error::$PREVIOUS_TAG runs again in $STACK_ENV but does not pass the verification either"
  finish failed
fi
echo "::notice::$STACK_ENV runs the previous release $PREVIOUS_TAG again (verified)"
finish "$outcome"
