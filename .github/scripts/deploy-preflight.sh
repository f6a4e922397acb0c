#!/usr/bin/env bash
# First step of a deploy job, once AWS credentials are configured: check that the
# deploy can go ahead, and whether it is still wanted.
#
#   - the image tag is a full commit SHA (the tag CI pushes to ECR);
#   - the environment's application stack exists (the first deploy of an environment
#     is a manual bootstrap, see README.md "Deploying") and no update is in progress;
#   - for automatic deploys (AUTOMATIC=true), the commit is not older than the one
#     already running: when CI runs of consecutive commits finish out of order, the
#     older one must not roll the environment back. A manual deploy (rollback) may
#     deploy any commit.
#
# Environment: STACK_ENV (dev or prod), IMAGE_TAG, AUTOMATIC (true or false).
# Outputs (GITHUB_OUTPUT): running-tag, running-ami (the AMI the running release runs on,
# output AmiId; what a rollback restores), stale (true when the deploy must be skipped).
# Needs the repository's history (actions/checkout with fetch-depth: 0).
set -euo pipefail

: "${STACK_ENV:?STACK_ENV is required}" "${IMAGE_TAG:?IMAGE_TAG is required}"
: "${GITHUB_OUTPUT:?GITHUB_OUTPUT is required}"
AUTOMATIC=${AUTOMATIC:-true}

if ! [[ "$IMAGE_TAG" =~ ^[0-9a-f]{40}$ ]]; then
  echo "::error::the image tag '$IMAGE_TAG' is not a full 40-character commit SHA"
  exit 1
fi

stack="maticko-application-$STACK_ENV"
if ! status=$(aws cloudformation describe-stacks --stack-name "$stack" \
  --query 'Stacks[0].StackStatus' --output text 2> /dev/null); then
  echo "::error::the stack $stack does not exist (or this role cannot read it). The first deploy" \
    "of an environment is a manual bootstrap: infrastructure/deploy-layered.sh --environment $STACK_ENV" \
    "(see README.md, Deploying)."
  exit 1
fi
case "$status" in
  *_IN_PROGRESS)
    echo "::error::$stack is $status: another update is running; retry when it has finished"
    exit 1
    ;;
esac

running=$(aws cloudformation describe-stacks --stack-name "$stack" \
  --query "Stacks[0].Outputs[?OutputKey=='ImageTag'].OutputValue | [0]" --output text)
# "none" (or no output) before the first image.
case "$running" in None | none) running="" ;; esac
echo "running-tag=$running" >> "$GITHUB_OUTPUT"
running_ami=$(aws cloudformation describe-stacks --stack-name "$stack" \
  --query "Stacks[0].Outputs[?OutputKey=='AmiId'].OutputValue | [0]" --output text)
case "$running_ami" in None | none) running_ami="" ;; esac
echo "running-ami=$running_ami" >> "$GITHUB_OUTPUT"
echo "$stack is $status, running image ${running:-none}; deploying $IMAGE_TAG"

stale=false
if [ "$AUTOMATIC" = true ] && [ -n "$running" ] && [ "$running" != "$IMAGE_TAG" ] &&
  git merge-base --is-ancestor "$IMAGE_TAG" "$running" 2> /dev/null; then
  stale=true
  echo "::notice::$running, a newer commit than $IMAGE_TAG, already runs in $STACK_ENV: skipping this deploy"
fi
echo "stale=$stale" >> "$GITHUB_OUTPUT"
