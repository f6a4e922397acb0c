#!/usr/bin/env bash
# Rotates the application's database credentials by alternating users
# (docs/0025-deploys-and-scaling.md, docs/0002-secrets.md).
#
# The app secret (database stack output DBAppSecretArn) names one of two login roles,
# maticko_app_a or maticko_app_b. This script switches it to the other role with a
# fresh password. Each instance notices the changed secret (its refresh timer, every
# 5 minutes), runs the release container, which sets that role's password, and
# restarts its web container after draining from the load balancer. Instances not yet
# refreshed keep working with the previous role, whose password is unchanged.
# --now triggers the refresh on every instance through SSM Run Command, one at a
# time, waiting for each to be healthy again.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: rotate-db-password.sh -e ENV [--now]

  -e, --environment ENV   dev or prod (default: prod)
  -r, --region REGION     AWS region (default: AWS_REGION, AWS_DEFAULT_REGION or the CLI profile's)
      --now               refresh every instance now, one at a time (SSM Run Command)
      --endpoint-url URL  send every AWS call to URL (an emulator, for tests)
  -h, --help              show this help
EOF
}

die() {
  echo "rotate-db-password.sh: error: $*" >&2
  exit 1
}

ENVIRONMENT=prod
REGION=""
ENDPOINT_URL=""
NOW=false
HEALTH_WAIT_SECONDS=${HEALTH_WAIT_SECONDS:-600}

need_value() {
  [ "$#" -ge 2 ] && [ -n "$2" ] || die "option $1 needs a value (see --help)"
}

while [ "$#" -gt 0 ]; do
  case "$1" in
    -e | --environment) need_value "$@"; ENVIRONMENT=$2; shift 2 ;;
    -r | --region) need_value "$@"; REGION=$2; shift 2 ;;
    --endpoint-url) need_value "$@"; ENDPOINT_URL=$2; shift 2 ;;
    --now) NOW=true; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
done
case "$ENVIRONMENT" in
  dev | prod) ;;
  *) die "--environment must be dev or prod, not '$ENVIRONMENT'" ;;
esac

DATABASE_STACK="maticko-database-$ENVIRONMENT"
APPLICATION_STACK="maticko-application-$ENVIRONMENT"

command -v aws > /dev/null 2>&1 || die "the AWS CLI ('aws') is not on PATH"
AWS=(aws)
if [ -n "$REGION" ]; then AWS+=(--region "$REGION"); fi
if [ -n "$ENDPOINT_URL" ]; then AWS+=(--endpoint-url "$ENDPOINT_URL"); fi

log() { echo "==> $*"; }

stack_output() {
  local value
  value=$("${AWS[@]}" cloudformation describe-stacks --stack-name "$1" \
    --query "Stacks[0].Outputs[?OutputKey=='$2'].OutputValue | [0]" --output text 2> /dev/null) || value=""
  [ "$value" != None ] || value=""
  echo "$value"
}

SECRET_ARN=$(stack_output "$DATABASE_STACK" DBAppSecretArn)
[ -n "$SECRET_ARN" ] || die "$DATABASE_STACK has no DBAppSecretArn output (no stack, or a template without the app user)"

current=$("${AWS[@]}" secretsmanager get-secret-value --secret-id "$SECRET_ARN" --query SecretString --output text)
[[ "$current" =~ \"username\"[[:space:]]*:[[:space:]]*\"([A-Za-z0-9_]+)\" ]] ||
  die "the app secret holds no username"
previous_user=${BASH_REMATCH[1]}
case "$previous_user" in
  maticko_app_a) next_user=maticko_app_b ;;
  maticko_app_b) next_user=maticko_app_a ;;
  *) die "the app secret's user '$previous_user' is neither maticko_app_a nor maticko_app_b" ;;
esac
password=$("${AWS[@]}" secretsmanager get-random-password --exclude-punctuation --password-length 40 \
  --query RandomPassword --output text)
# Letters and digits only: no JSON escaping needed.
"${AWS[@]}" secretsmanager put-secret-value --secret-id "$SECRET_ARN" \
  --secret-string "{\"username\": \"$next_user\", \"password\": \"$password\"}" > /dev/null
log "app secret switched from $previous_user to $next_user with a new password"

GROUP=$(stack_output "$APPLICATION_STACK" AutoScalingGroupName)
TARGET_GROUP=$(stack_output "$APPLICATION_STACK" TargetGroupArn)
if [ "$NOW" = false ]; then
  cat <<EOF
Each instance picks it up within 5 minutes (maticko-secret-refresh.timer): it runs the
release container (which sets $next_user's password), drains from the load balancer and
restarts its web container. Until then it keeps using $previous_user, which stays valid.
Watch: aws elbv2 describe-target-health --target-group-arn ${TARGET_GROUP:-<TargetGroupArn>}
       aws logs tail /maticko/$ENVIRONMENT/app --follow
To refresh every instance now, one at a time: $0 -e $ENVIRONMENT --now
EOF
  exit 0
fi

[ -n "$GROUP" ] || die "$APPLICATION_STACK has no Auto Scaling group: nothing to refresh"
instances=$("${AWS[@]}" autoscaling describe-auto-scaling-groups --auto-scaling-group-names "$GROUP" \
  --query "AutoScalingGroups[0].Instances[?LifecycleState=='InService'].InstanceId" --output text)
for instance in $instances; do
  log "refreshing $instance"
  command_id=$("${AWS[@]}" ssm send-command --instance-ids "$instance" --document-name AWS-RunShellScript \
    --comment "Maticko: pick up the rotated database credentials" \
    --parameters 'commands=["systemctl start maticko-secret-refresh.service"]' \
    --query Command.CommandId --output text)
  waited=0
  while :; do
    status=$("${AWS[@]}" ssm get-command-invocation --command-id "$command_id" --instance-id "$instance" \
      --query Status --output text 2> /dev/null || echo Pending)
    case "$status" in
      Success) break ;;
      Pending | InProgress | Delayed) ;;
      *) die "the refresh on $instance ended $status: aws ssm get-command-invocation --command-id $command_id --instance-id $instance" ;;
    esac
    [ "$waited" -lt "$HEALTH_WAIT_SECONDS" ] || die "the refresh on $instance did not finish in $HEALTH_WAIT_SECONDS s"
    sleep 5
    waited=$((waited + 5))
  done
  waited=0
  while :; do
    state=$("${AWS[@]}" elbv2 describe-target-health --target-group-arn "$TARGET_GROUP" --targets "Id=$instance" \
      --query 'TargetHealthDescriptions[0].TargetHealth.State' --output text)
    [ "$state" != healthy ] || break
    [ "$waited" -lt "$HEALTH_WAIT_SECONDS" ] || die "$instance is $state after $HEALTH_WAIT_SECONDS s; stopped before the next instance"
    sleep 5
    waited=$((waited + 5))
  done
  log "$instance is healthy again"
done
log "every instance runs as $next_user"
