#!/usr/bin/env bash
# On-sale pre-scale of Maticko's application fleet (docs/0025-deploys-and-scaling.md).
#
#   prescale.sh -e prod --instances 6 [--freeze-until 2026-12-05T22:00Z] [--reason TEXT]
#     sets a deploy freeze (SSM /maticko/<env>/deploy-freeze) so no pipeline run rolls
#     the fleet during the on-sale, raises the group's MinSize and DesiredCapacity to N
#     (MinSize too, so the CPU-low alarm cannot scale it down), and waits until N
#     targets are healthy behind the load balancer.
#   prescale.sh -e prod --release
#     puts MinSize and DesiredCapacity back to their values before the pre-scale and
#     lifts the freeze; the CPU alarms scale from there.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: prescale.sh -e ENV --instances N [--freeze-until ISO8601] [--reason TEXT]
       prescale.sh -e ENV --release

  -e, --environment ENV   dev or prod (default: prod)
  -r, --region REGION     AWS region (default: AWS_REGION, AWS_DEFAULT_REGION or the CLI profile's)
      --instances N       instances to run (and keep at least) during the on-sale
      --freeze-until TIME end of the deploy freeze, UTC, e.g. 2026-12-05T22:00Z
                          (default: 12 hours from now)
      --reason TEXT       why, shown to whoever tries to deploy (default: "on-sale pre-scale to N instances")
      --release           undo the pre-scale and lift the freeze
      --endpoint-url URL  send every AWS call to URL (an emulator, for tests)
  -h, --help              show this help
EOF
}

die() {
  echo "prescale.sh: error: $*" >&2
  exit 1
}

ENVIRONMENT=prod
REGION=""
ENDPOINT_URL=""
INSTANCES=""
FREEZE_UNTIL=""
REASON=""
RELEASE=false
HEALTH_WAIT_SECONDS=${HEALTH_WAIT_SECONDS:-900}

need_value() {
  [ "$#" -ge 2 ] && [ -n "$2" ] || die "option $1 needs a value (see --help)"
}

while [ "$#" -gt 0 ]; do
  case "$1" in
    -e | --environment) need_value "$@"; ENVIRONMENT=$2; shift 2 ;;
    -r | --region) need_value "$@"; REGION=$2; shift 2 ;;
    --endpoint-url) need_value "$@"; ENDPOINT_URL=$2; shift 2 ;;
    --instances) need_value "$@"; INSTANCES=$2; shift 2 ;;
    --freeze-until) need_value "$@"; FREEZE_UNTIL=$2; shift 2 ;;
    --reason) need_value "$@"; REASON=$2; shift 2 ;;
    --release) RELEASE=true; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
done

case "$ENVIRONMENT" in
  dev | prod) ;;
  *) die "--environment must be dev or prod, not '$ENVIRONMENT'" ;;
esac
if [ "$RELEASE" = true ]; then
  [ -z "$INSTANCES" ] || die "give --instances or --release, not both"
else
  [[ "$INSTANCES" =~ ^([1-9]|10)$ ]] || die "--instances must be a number from 1 to 10 (or use --release)"
fi
if [ -n "$FREEZE_UNTIL" ]; then
  # Stored as YYYY-MM-DDTHH:MM:SSZ: deploy-layered.sh compares it as text with the UTC now.
  [[ "$FREEZE_UNTIL" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?Z$ ]] ||
    die "--freeze-until must be UTC like 2026-12-05T22:00Z or 2026-12-05T22:00:00Z, not '$FREEZE_UNTIL'"
  if [ "${#FREEZE_UNTIL}" -eq 17 ]; then FREEZE_UNTIL="${FREEZE_UNTIL%Z}:00Z"; fi
else
  # GNU date, then BSD date (macOS).
  FREEZE_UNTIL=$(date -u -d '+12 hours' +%Y-%m-%dT%H:%M:%SZ 2> /dev/null ||
    date -u -v+12H +%Y-%m-%dT%H:%M:%SZ)
fi

APPLICATION_STACK="maticko-application-$ENVIRONMENT"
FREEZE_PARAMETER="/maticko/$ENVIRONMENT/deploy-freeze"
RESTORE_PARAMETER="/maticko/$ENVIRONMENT/prescale-restore"

command -v aws > /dev/null 2>&1 || die "the AWS CLI ('aws') is not on PATH"
AWS=(aws)
if [ -n "$REGION" ]; then AWS+=(--region "$REGION"); fi
if [ -n "$ENDPOINT_URL" ]; then AWS+=(--endpoint-url "$ENDPOINT_URL"); fi

log() { echo "==> $*"; }

stack_output() {
  local value
  value=$("${AWS[@]}" cloudformation describe-stacks --stack-name "$APPLICATION_STACK" \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue | [0]" --output text 2> /dev/null) || value=""
  [ "$value" != None ] || value=""
  echo "$value"
}

GROUP=$(stack_output AutoScalingGroupName)
[ -n "$GROUP" ] || die "$APPLICATION_STACK has no Auto Scaling group (no stack, or no image deployed yet)"
TARGET_GROUP=$(stack_output TargetGroupArn)
read -r MIN DESIRED MAX < <("${AWS[@]}" autoscaling describe-auto-scaling-groups --auto-scaling-group-names "$GROUP" \
  --query 'AutoScalingGroups[0].[MinSize, DesiredCapacity, MaxSize]' --output text)
log "group $GROUP: min $MIN, desired $DESIRED, max $MAX"

saved_restore_values() {
  "${AWS[@]}" ssm get-parameter --name "$RESTORE_PARAMETER" --query Parameter.Value --output text 2> /dev/null || true
}

if [ "$RELEASE" = true ]; then
  restore=$(saved_restore_values)
  if [[ "$restore" =~ ^min=([0-9]+)\ desired=([0-9]+)$ ]]; then
    new_min=${BASH_REMATCH[1]}
    new_desired=${BASH_REMATCH[2]}
  else
    # No record of the pre-scale: the template's floor and the stack's DesiredCapacity.
    new_min=1
    new_desired=$("${AWS[@]}" cloudformation describe-stacks --stack-name "$APPLICATION_STACK" \
      --query "Stacks[0].Parameters[?ParameterKey=='DesiredCapacity'].ParameterValue | [0]" --output text)
    [[ "$new_desired" =~ ^[0-9]+$ ]] || new_desired=2
    log "no pre-scale record in $RESTORE_PARAMETER: using min 1 and the stack's desired capacity $new_desired"
  fi
  log "releasing: min $MIN -> $new_min, desired $DESIRED -> $new_desired"
  "${AWS[@]}" autoscaling update-auto-scaling-group --auto-scaling-group-name "$GROUP" \
    --min-size "$new_min" --desired-capacity "$new_desired"
  "${AWS[@]}" ssm delete-parameter --name "$RESTORE_PARAMETER" > /dev/null 2>&1 || true
  "${AWS[@]}" ssm delete-parameter --name "$FREEZE_PARAMETER" > /dev/null 2>&1 || true
  log "deploy freeze lifted ($FREEZE_PARAMETER deleted); deploys and the CPU alarms take over again"
  exit 0
fi

[ "$INSTANCES" -le "$MAX" ] || die "--instances $INSTANCES is above the group's maximum $MAX"
REASON=${REASON:-on-sale pre-scale to $INSTANCES instances}

# The values to go back to; a second pre-scale keeps the first one's record.
if [ -z "$(saved_restore_values)" ]; then
  "${AWS[@]}" ssm put-parameter --name "$RESTORE_PARAMETER" --type String --overwrite \
    --value "min=$MIN desired=$DESIRED" > /dev/null
fi
# The freeze first, so no deploy starts rolling the fleet while it grows.
"${AWS[@]}" ssm put-parameter --name "$FREEZE_PARAMETER" --type String --overwrite \
  --value "$FREEZE_UNTIL $REASON" > /dev/null
log "deploy freeze until $FREEZE_UNTIL: $REASON"

new_desired=$((INSTANCES > DESIRED ? INSTANCES : DESIRED))
log "scaling: min $MIN -> $INSTANCES, desired $DESIRED -> $new_desired"
"${AWS[@]}" autoscaling update-auto-scaling-group --auto-scaling-group-name "$GROUP" \
  --min-size "$INSTANCES" --desired-capacity "$new_desired"

waited=0
while :; do
  healthy=$("${AWS[@]}" elbv2 describe-target-health --target-group-arn "$TARGET_GROUP" \
    --query "length(TargetHealthDescriptions[?TargetHealth.State=='healthy'])" --output text)
  if [ "$healthy" -ge "$INSTANCES" ]; then break; fi
  [ "$waited" -lt "$HEALTH_WAIT_SECONDS" ] ||
    die "only $healthy of $INSTANCES targets healthy after $HEALTH_WAIT_SECONDS s; the freeze and the new size stay." \
      "Check the instances (aws elbv2 describe-target-health --target-group-arn $TARGET_GROUP)"
  echo "    $healthy of $INSTANCES targets healthy; waiting"
  sleep 15
  waited=$((waited + 15))
done
log "$healthy targets healthy behind the load balancer: ready for the on-sale"
echo "Afterwards: $0 -e $ENVIRONMENT --release"
