#!/usr/bin/env bash
# Reports the outcome of a deploy job to the environment's SNS topic (output
# NotificationTopicArn of the networking stack: the topic the alarms use, whose
# subscribers get e-mail) and to Slack when SLACK_WEBHOOK_URL is set. A failing
# notification is a warning, never a failed job.
#
# It is the job's only notice: deploy-layered.sh runs with --no-notify.
#
# Environment: DEPLOY_ENVIRONMENT (dev or production), STACK_ENV (dev or prod),
# IMAGE_TAG, JOB_STATUS (success, failure or cancelled), STALE (true when the deploy
# was skipped), ROLLBACK_OUTCOME (rollback.sh's outcome when it ran), PREVIOUS_TAG,
# SITE_URL, RUN_URL, SLACK_WEBHOOK_URL (all optional but the first four).
set -uo pipefail

: "${DEPLOY_ENVIRONMENT:?}" "${STACK_ENV:?}" "${IMAGE_TAG:?}" "${JOB_STATUS:?}"

case "$JOB_STATUS" in
  success) if [ "${STALE:-false}" = true ]; then outcome="skipped (a newer commit already runs)"; else outcome="succeeded"; fi ;;
  cancelled) outcome="was cancelled" ;;
  *) outcome="FAILED" ;;
esac
subject_status=$JOB_STATUS
case "${ROLLBACK_OUTCOME:-}" in rolled-back | cloudformation) subject_status="failure, rolled back" ;; esac
message="Maticko deploy to $DEPLOY_ENVIRONMENT $outcome: image $IMAGE_TAG"
if [ -n "${SITE_URL:-}" ]; then message="$message, $SITE_URL"; fi
message="$message."
if [ "$outcome" = FAILED ]; then
  case "${ROLLBACK_OUTCOME:-}" in
    rolled-back) message="$message Rolled back: the previous release ${PREVIOUS_TAG:-} was redeployed and verified." ;;
    cloudformation) message="$message Rolled back: CloudFormation restored the previous release ${PREVIOUS_TAG:-}, verified." ;;
    failed) message="$message The automatic rollback to ${PREVIOUS_TAG:-the previous release} FAILED too: the environment needs a person now." ;;
    *) message="$message No automatic rollback ran (no previous release, or the failure came before the update); see the stack events of maticko-application-$STACK_ENV." ;;
  esac
fi
if [ -n "${RUN_URL:-}" ]; then message="$message Run: $RUN_URL"; fi
echo "$message"

topic=$(aws cloudformation describe-stacks --stack-name "maticko-networking-$STACK_ENV" \
  --query "Stacks[0].Outputs[?OutputKey=='NotificationTopicArn'].OutputValue | [0]" \
  --output text 2> /dev/null || true)
if [ -n "$topic" ] && [ "$topic" != None ]; then
  if aws sns publish --topic-arn "$topic" --subject "Maticko $DEPLOY_ENVIRONMENT deploy $subject_status" \
    --message "$message" > /dev/null; then
    echo "published to $topic"
  else
    echo "::warning::could not publish the deploy notice to $topic"
  fi
else
  echo "::warning::no SNS topic found (stack maticko-networking-$STACK_ENV unreadable): notice not published"
fi

if [ -z "${SLACK_WEBHOOK_URL:-}" ]; then
  echo "SLACK_WEBHOOK_URL is not set: Slack notification skipped"
  exit 0
fi
payload=$(jq --null-input --arg text "$message" '{text: $text}')
if curl --silent --show-error --fail --max-time 15 --header 'Content-Type: application/json' \
  --data "$payload" "$SLACK_WEBHOOK_URL" > /dev/null; then
  echo "posted to Slack"
else
  echo "::warning::could not post the deploy notice to Slack"
fi
exit 0
