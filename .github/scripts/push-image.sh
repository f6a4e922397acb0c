#!/usr/bin/env bash
# Puts the image for IMAGE_TAG into the environment's ECR repository (created by
# infrastructure/cloudformation/02-application.yaml, output ImageRepositoryUri).
#
# The repository's tags are immutable, so an image that is already there (a re-run,
# a redeploy of a previous commit, the same commit promoted to production) is used
# as it is. Otherwise the image archive CI built, smoke-tested and scanned in this
# run (IMAGE_ARCHIVE, from `docker save`) is loaded and pushed: exactly the bytes
# that were tested reach every environment, nothing is rebuilt.
#
# Environment: STACK_ENV (dev or prod), IMAGE_TAG, AWS_REGION, IMAGE_ARCHIVE (optional).
set -euo pipefail

: "${STACK_ENV:?STACK_ENV is required}" "${IMAGE_TAG:?IMAGE_TAG is required}"
: "${AWS_REGION:?AWS_REGION is required}"
IMAGE_ARCHIVE=${IMAGE_ARCHIVE:-}

stack="maticko-application-$STACK_ENV"
repository_uri=$(aws cloudformation describe-stacks --stack-name "$stack" \
  --query "Stacks[0].Outputs[?OutputKey=='ImageRepositoryUri'].OutputValue | [0]" --output text)
if [ -z "$repository_uri" ] || [ "$repository_uri" = None ]; then
  echo "::error::$stack has no ImageRepositoryUri output"
  exit 1
fi
registry=${repository_uri%%/*}
repository=${repository_uri#*/}
target="$repository_uri:$IMAGE_TAG"

if aws ecr describe-images --repository-name "$repository" --image-ids "imageTag=$IMAGE_TAG" \
  > /dev/null 2>&1; then
  echo "$target is already in ECR (tags are immutable): using it as it is"
  exit 0
fi

if [ -z "$IMAGE_ARCHIVE" ] || [ ! -f "$IMAGE_ARCHIVE" ]; then
  echo "::error::$target is not in ECR, and this run built no image to push. A manual deploy" \
    "can only roll out a commit whose image CI already pushed to this environment's repository."
  exit 1
fi

docker load --input "$IMAGE_ARCHIVE"
docker tag "maticko:$IMAGE_TAG" "$target"
aws ecr get-login-password --region "$AWS_REGION" |
  docker login --username AWS --password-stdin "$registry"
trap 'docker logout "$registry" > /dev/null 2>&1 || true' EXIT
docker push "$target"
echo "pushed $target"
