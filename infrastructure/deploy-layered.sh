#!/usr/bin/env bash
# Deploys Maticko's CloudFormation layers in dependency order:
#   1. networking  (cloudformation/01-networking.yaml)  stack maticko-networking-<env>
#   2. database    (cloudformation/03-database.yaml)    stack maticko-database-<env>
#   3. application (cloudformation/02-application.yaml) stack maticko-application-<env>
# Each layer imports the exports of the ones before it. Every layer goes through a
# change set (create, inspect, execute), so a re-run without changes touches nothing,
# --plan shows what would change, and application updates carry CloudFormation
# rollback triggers. See infrastructure/README.md and docs/0025-deploys-and-scaling.md.
set -euo pipefail
set -o errtrace

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TEMPLATES="$SCRIPT_DIR/cloudformation"
DATABASE_STACK_POLICY="$SCRIPT_DIR/policies/database-stack-policy.json"
ALLOW_ALL_STACK_POLICY="$SCRIPT_DIR/policies/allow-all-updates-stack-policy.json"
LATEST_AMI_PARAMETER=/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64
BOOTSTRAP_STACK=maticko-bootstrap
# Minutes CloudFormation keeps watching the rollback-trigger alarms after an update.
ROLLBACK_MONITORING_MINUTES=10

usage() {
  cat <<'EOF'
Usage: deploy-layered.sh [options]

  -e, --environment ENV      dev or prod (default: prod)
  -r, --region REGION        AWS region (default: AWS_REGION, AWS_DEFAULT_REGION or the CLI profile's)
  -t, --image-tag TAG        image tag (git commit SHA) to roll out; it must already be in the
                             environment's ECR repository. Without it the running tag is kept
                             (on the very first deploy no instances are started yet).
      --layers LIST          comma-separated layers to deploy: networking,database,application
                             (default: all three, in that order)
      --only LAYER           one layer only (same as --layers LAYER)
      --plan                 create the selected layers' change sets, print them as Markdown
                             (also to $GITHUB_STEP_SUMMARY when set), delete them: change nothing
      --desired-capacity N   instances to run; without it the live group's value is kept
      --ami-id AMI           run this AMI; without it (and without --refresh-ami) the running AMI
                             is kept (on creation: the latest Amazon Linux 2023 x86_64)
      --refresh-ami          move to the latest Amazon Linux 2023 x86_64 AMI (rolls the fleet)
      --ignore-freeze        deploy the application layer although a deploy freeze is set
      --no-rollback-triggers this application update without the alarm rollback triggers (a fix
                             deployed while the 5xx or unhealthy-hosts alarm is firing)
      --allow-db-replacement let this one run replace or delete the database instance
                             (the database stack's policy forbids it otherwise)
      --role-arn ARN         CloudFormation service role (default: the maticko-bootstrap stack's
                             CloudFormationServiceRoleArn output when that stack exists)
      --no-notify            publish no deploy notices to the SNS topic
      --endpoint-url URL     send every AWS call to URL (an emulator, for tests)
      --certificate-arn ARN  ACM certificate: serve HTTPS and redirect HTTP to it
      --domain-name NAME     public host name pointed at the load balancer
      --waf auto|true|false  AWS WAF on the load balancer (auto: on in prod, off in dev)
      --waf-rate-limit N     WAF: requests per client address per 5 minutes before 429
      --alarm-email ADDRESS  subscribe ADDRESS to alarms and deploy notices
      --email-secret-arn ARN Secrets Manager secret with SES SMTP credentials
      --from-email ADDRESS   DEFAULT_FROM_EMAIL of the application
      --nat-per-az true|false  one NAT gateway per Availability Zone
                             (on creation default: true for prod, false for dev)
      --db-instance-class CLASS  RDS instance class (default: the environment's); needs
                             --connections-alarm, sized for that class
      --connections-alarm N  alarm above N database connections (about 80 % of the class's
                             max_connections; 0: the environment's default class's)
      --rds-proxy true|false RDS Proxy in front of the database for the web containers
      --db-host HOST         disaster recovery: point the application at a restored database
      --db-secret-arn ARN    disaster recovery: the restored database's RDS-managed secret
                             (both '' to use the database stack's instance again)
  -h, --help                 show this help

Unchanged options keep their previous values on a re-run. A deploy freeze is the SSM
parameter /maticko/<env>/deploy-freeze ("<until, ISO 8601 UTC> <reason>", set by
prescale.sh): while it holds, the application layer is not deployed.
With GITHUB_OUTPUT set, image-tag=, ami-id= and site-url= lines are appended to it.
EOF
}

HEALTH_WAIT_SECONDS=${HEALTH_WAIT_SECONDS:-600}
# A stack another run is changing: wait this long for it to settle.
STACK_BUSY_WAIT_SECONDS=${STACK_BUSY_WAIT_SECONDS:-1800}
# One stack operation, including the rollback triggers' monitoring time.
STACK_WAIT_SECONDS=${STACK_WAIT_SECONDS:-7200}
POLL_SECONDS=${POLL_SECONDS:-15}
NOTIFY_TOPIC=""
RESTORE_DATABASE_POLICY=""
die() {
  echo "deploy-layered.sh: error: $*" >&2
  if [ -n "$NOTIFY_TOPIC" ]; then notify "Deploy of Maticko to $ENVIRONMENT FAILED: $*"; fi
  exit 1
}

ENVIRONMENT=prod
REGION=""
IMAGE_TAG=""
ENDPOINT_URL=""
NAT_PER_AZ=""
DB_INSTANCE_CLASS=""
CONNECTIONS_ALARM=""
LAYERS=""
PLAN=false
DESIRED_CAPACITY=""
AMI_ID=""
REFRESH_AMI=false
IGNORE_FREEZE=false
ROLLBACK_TRIGGERS=true
ALLOW_DB_REPLACEMENT=false
ROLE_ARN=""
NOTIFY=true
NETWORK_OVERRIDES=()
DATABASE_OVERRIDES=()
APP_OVERRIDES=()

need_value() {
  [ "$#" -ge 2 ] && [ -n "$2" ] || die "option $1 needs a value (see --help)"
}

while [ "$#" -gt 0 ]; do
  case "$1" in
    -e | --environment) need_value "$@"; ENVIRONMENT=$2; shift 2 ;;
    -r | --region) need_value "$@"; REGION=$2; shift 2 ;;
    -t | --image-tag) need_value "$@"; IMAGE_TAG=$2; shift 2 ;;
    --endpoint-url) need_value "$@"; ENDPOINT_URL=$2; shift 2 ;;
    --layers | --only) need_value "$@"; LAYERS=$2; shift 2 ;;
    --plan) PLAN=true; shift ;;
    --desired-capacity) need_value "$@"; DESIRED_CAPACITY=$2; shift 2 ;;
    --ami-id) need_value "$@"; AMI_ID=$2; shift 2 ;;
    --refresh-ami) REFRESH_AMI=true; shift ;;
    --ignore-freeze) IGNORE_FREEZE=true; shift ;;
    --no-rollback-triggers) ROLLBACK_TRIGGERS=false; shift ;;
    --allow-db-replacement) ALLOW_DB_REPLACEMENT=true; shift ;;
    --role-arn) need_value "$@"; ROLE_ARN=$2; shift 2 ;;
    --no-notify) NOTIFY=false; shift ;;
    --certificate-arn) need_value "$@"; APP_OVERRIDES+=("CertificateArn=$2"); shift 2 ;;
    --domain-name) need_value "$@"; APP_OVERRIDES+=("DomainName=$2"); shift 2 ;;
    --waf)
      need_value "$@"
      case "$2" in auto | true | false) ;; *) die "--waf must be auto, true or false, not '$2'" ;; esac
      APP_OVERRIDES+=("EnableWaf=$2"); shift 2 ;;
    --waf-rate-limit)
      need_value "$@"
      [[ "$2" =~ ^[0-9]{1,10}$ ]] || die "--waf-rate-limit must be a number of requests, not '$2'"
      APP_OVERRIDES+=("WafRateLimit=$2"); shift 2 ;;
    --alarm-email) need_value "$@"; NETWORK_OVERRIDES+=("AlarmEmail=$2"); shift 2 ;;
    --email-secret-arn) need_value "$@"; APP_OVERRIDES+=("EmailSecretArn=$2"); shift 2 ;;
    --from-email) need_value "$@"; APP_OVERRIDES+=("DefaultFromEmail=$2"); shift 2 ;;
    --nat-per-az) need_value "$@"; NAT_PER_AZ=$2; shift 2 ;;
    --db-instance-class) need_value "$@"; DB_INSTANCE_CLASS=$2; DATABASE_OVERRIDES+=("DBInstanceClass=$2"); shift 2 ;;
    --connections-alarm)
      need_value "$@"
      [[ "$2" =~ ^[0-9]{1,5}$ ]] || die "--connections-alarm must be a number of connections, not '$2'"
      CONNECTIONS_ALARM=$2; DATABASE_OVERRIDES+=("ConnectionsAlarmThreshold=$2"); shift 2 ;;
    --rds-proxy)
      need_value "$@"
      case "$2" in true | false) ;; *) die "--rds-proxy must be true or false, not '$2'" ;; esac
      DATABASE_OVERRIDES+=("UseRdsProxy=$2"); shift 2 ;;
    # These two may be given empty ('') to go back to the database stack's exports.
    --db-host) [ "$#" -ge 2 ] || die "option $1 needs a value"; APP_OVERRIDES+=("DatabaseHostOverride=$2"); shift 2 ;;
    --db-secret-arn) [ "$#" -ge 2 ] || die "option $1 needs a value"; APP_OVERRIDES+=("DatabaseSecretArnOverride=$2"); shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
done

case "$ENVIRONMENT" in
  dev | prod) ;;
  *) die "--environment must be dev or prod, not '$ENVIRONMENT'" ;;
esac
DEPLOY_NETWORKING=false
DEPLOY_DATABASE=false
DEPLOY_APPLICATION=false
IFS=, read -r -a SELECTED_LAYERS <<< "${LAYERS:-networking,database,application}"
for layer in "${SELECTED_LAYERS[@]}"; do
  case "$layer" in
    networking) DEPLOY_NETWORKING=true ;;
    database) DEPLOY_DATABASE=true ;;
    application) DEPLOY_APPLICATION=true ;;
    *) die "--layers/--only takes networking, database or application, not '$layer'" ;;
  esac
done
# The database template's Rules refuse a class without its own alarm threshold; say so
# before CloudFormation does, minutes later.
if [ -n "$DB_INSTANCE_CLASS" ] && [ -z "$CONNECTIONS_ALARM" ]; then
  die "--db-instance-class $DB_INSTANCE_CLASS needs --connections-alarm N: about 80 % of that class's max_connections (infrastructure/README.md, Database connections)"
fi
case "$NAT_PER_AZ" in
  "" | true | false) ;;
  *) die "--nat-per-az must be true or false, not '$NAT_PER_AZ'" ;;
esac
if [ -n "$IMAGE_TAG" ] && ! [[ "$IMAGE_TAG" =~ ^[A-Za-z0-9_.-]{1,128}$ ]]; then
  die "--image-tag '$IMAGE_TAG' is not a valid image tag"
fi
if [ -n "$DESIRED_CAPACITY" ] && ! [[ "$DESIRED_CAPACITY" =~ ^([0-9]|10)$ ]]; then
  die "--desired-capacity must be a number from 0 to 10, not '$DESIRED_CAPACITY'"
fi
if [ -n "$AMI_ID" ] && ! [[ "$AMI_ID" =~ ^ami-[0-9a-f]{8,17}$ ]]; then
  die "--ami-id '$AMI_ID' is not an AMI id (ami-...)"
fi
if [ -n "$AMI_ID" ] && [ "$REFRESH_AMI" = true ]; then
  die "give --ami-id or --refresh-ami, not both"
fi

NETWORK_STACK="maticko-networking-$ENVIRONMENT"
DATABASE_STACK="maticko-database-$ENVIRONMENT"
APPLICATION_STACK="maticko-application-$ENVIRONMENT"
REPOSITORY="maticko-$ENVIRONMENT"
FREEZE_PARAMETER="/maticko/$ENVIRONMENT/deploy-freeze"

command -v aws > /dev/null 2>&1 ||
  die "the AWS CLI ('aws') is not on PATH: install it (pip install -r infrastructure/requirements.txt) and try again"

AWS=(aws)
if [ -n "$REGION" ]; then AWS+=(--region "$REGION"); fi
if [ -n "$ENDPOINT_URL" ]; then AWS+=(--endpoint-url "$ENDPOINT_URL"); fi

log() { echo "==> $*"; }

if ! ACCOUNT=$("${AWS[@]}" sts get-caller-identity --query Account --output text 2> /dev/null); then
  die "no usable AWS credentials: configure them (aws configure, AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) and try again"
fi
if [ -z "$REGION" ]; then
  REGION=${AWS_REGION:-${AWS_DEFAULT_REGION:-}}
  if [ -z "$REGION" ]; then REGION=$(aws configure get region 2> /dev/null || true); fi
  [ -n "$REGION" ] || die "no AWS region: pass --region or set AWS_REGION"
  AWS+=(--region "$REGION")
fi
if [ "$PLAN" = true ]; then
  log "account $ACCOUNT, region $REGION, environment $ENVIRONMENT: plan only, nothing is changed"
else
  log "account $ACCOUNT, region $REGION, environment $ENVIRONMENT"
fi

WORK_DIR=$(mktemp -d)
cleanup() { rm -rf "$WORK_DIR"; }
trap cleanup EXIT

# The stack's status, or nothing when it does not exist.
stack_status() {
  local out
  if out=$("${AWS[@]}" cloudformation describe-stacks --stack-name "$1" \
    --query 'Stacks[0].StackStatus' --output text 2>&1); then
    echo "$out"
  elif [[ "$out" == *"does not exist"* ]]; then
    echo ""
  else
    die "cannot read stack $1: $out"
  fi
}

stack_exists() { [ -n "$(stack_status "$1")" ]; }

# An output's value; empty when the stack or the output does not exist.
stack_output() {
  local value
  value=$("${AWS[@]}" cloudformation describe-stacks --stack-name "$1" \
    --query "Stacks[0].Outputs[?OutputKey=='$2'].OutputValue | [0]" --output text 2> /dev/null) || value=""
  [ "$value" = None ] && value=""
  echo "$value"
}

# A parameter's current value in a deployed stack; empty when it has none.
stack_parameter() {
  local value
  value=$("${AWS[@]}" cloudformation describe-stacks --stack-name "$1" \
    --query "Stacks[0].Parameters[?ParameterKey=='$2'].${3:-ParameterValue} | [0]" --output text 2> /dev/null) || value=""
  [ "$value" = None ] && value=""
  echo "$value"
}

# Waits while another operation is changing the stack, then prints its status.
settled_stack_status() {
  local stack=$1 status waited=0
  while :; do
    status=$(stack_status "$stack")
    case "$status" in
      REVIEW_IN_PROGRESS | "" | *_COMPLETE | *_FAILED) echo "$status"; return 0 ;;
    esac
    [ "$waited" -lt "$STACK_BUSY_WAIT_SECONDS" ] ||
      die "stack $stack is still $status after $STACK_BUSY_WAIT_SECONDS s (another deploy?): watch it with" \
        "'aws cloudformation describe-stack-events --stack-name $stack --region $REGION' and run this again when it has finished"
    echo "==> stack $stack is busy ($status); waiting for it to finish" >&2
    sleep "$POLL_SECONDS"
    waited=$((waited + POLL_SECONDS))
  done
}

json_string() {
  local value=$1
  value=${value//\\/\\\\}
  value=${value//\"/\\\"}
  value=${value//$'\n'/\\n}
  value=${value//$'\t'/\\t}
  printf '"%s"' "$value"
}

# Writes the change set's parameter list: the overrides (Key=Value) as given, every
# other parameter the stack already has keeps its previous value, new ones their default.
write_parameters() {
  local template=$1 stack=$2 change_type=$3 file=$4
  shift 4
  local keys previous="" key override first=true entry
  keys=$("${AWS[@]}" cloudformation get-template-summary --template-body "file://$template" \
    --query 'Parameters[].ParameterKey' --output text)
  if [ "$change_type" = UPDATE ]; then
    previous=" $("${AWS[@]}" cloudformation describe-stacks --stack-name "$stack" \
      --query 'Stacks[0].Parameters[].ParameterKey' --output text | tr '\t' ' ') "
  fi
  printf '[' > "$file"
  for key in $keys; do
    entry=""
    for override in "$@"; do
      if [ "${override%%=*}" = "$key" ]; then
        entry="{\"ParameterKey\": \"$key\", \"ParameterValue\": $(json_string "${override#*=}")}"
      fi
    done
    if [ -z "$entry" ] && [[ "$previous" == *" $key "* ]]; then
      entry="{\"ParameterKey\": \"$key\", \"UsePreviousValue\": true}"
    fi
    [ -n "$entry" ] || continue
    if [ "$first" = true ]; then first=false; else printf ', ' >> "$file"; fi
    printf '%s' "$entry" >> "$file"
  done
  printf ']\n' >> "$file"
}

# The change set as a Markdown table, to stdout and to the job summary.
print_plan() {
  local stack=$1 change_set=$2 change_type=$3 rows
  rows=$("${AWS[@]}" cloudformation describe-change-set --stack-name "$stack" --change-set-name "$change_set" \
    --query 'Changes[].ResourceChange.[Action, LogicalResourceId, ResourceType, Replacement]' --output text)
  {
    echo
    if [ "$change_type" = CREATE ]; then echo "### $stack: new stack"; else echo "### $stack: update"; fi
    echo
    if [ -z "$rows" ] || [ "$rows" = None ]; then
      echo "Only parameters or outputs change; no resource is touched."
    else
      echo "| Action | Logical ID | Type | Replacement |"
      echo "| --- | --- | --- | --- |"
      while IFS=$'\t' read -r action logical_id type replacement; do
        [ "$replacement" = None ] && replacement=""
        echo "| $action | $logical_id | $type | $replacement |"
      done <<< "$rows"
    fi
  } | tee -a "${GITHUB_STEP_SUMMARY:-/dev/null}"
}

# One line about a stack in the plan (stdout and the job summary).
plan_section() {
  printf '\n### %s: %s\n' "$1" "$2" | tee -a "${GITHUB_STEP_SUMMARY:-/dev/null}"
}

print_no_changes() {
  if [ "$PLAN" = true ]; then
    plan_section "$1" "no changes"
  else
    echo "No changes to deploy. Stack $1 is up to date"
  fi
}

# Failed resources of the stack's latest events, for the error message.
failure_reasons() {
  "${AWS[@]}" cloudformation describe-stack-events --stack-name "$1" \
    --query "StackEvents[?ends_with(ResourceStatus, 'FAILED')] | [:5].[LogicalResourceId, ResourceStatusReason]" \
    --output text 2> /dev/null | sed 's/^/    /' >&2 || true
}

# Waits for the stack operation started by a change set; fails unless it completed.
wait_for_stack() {
  local stack=$1 expected=$2 status waited=0
  while :; do
    status=$(stack_status "$stack")
    case "$status" in
      *_IN_PROGRESS) ;;
      "$expected") return 0 ;;
      *)
        echo "deploy-layered.sh: stack $stack ended $status; failed resources:" >&2
        failure_reasons "$stack"
        die "the $stack deploy failed ($status); CloudFormation rolled it back: see 'aws cloudformation describe-stack-events --stack-name $stack --region $REGION'"
        ;;
    esac
    [ "$waited" -lt "$STACK_WAIT_SECONDS" ] || die "stack $stack is still $status after $STACK_WAIT_SECONDS s"
    sleep "$POLL_SECONDS"
    waited=$((waited + POLL_SECONDS))
  done
}

# Prints CREATE or UPDATE for the stack, after clearing what blocks a deploy:
# an application stack whose first creation failed (ROLLBACK_COMPLETE) is deleted,
# the others stop with the commands to run.
prepare_stack() {
  local layer=$1 stack=$2 status
  status=$(settled_stack_status "$stack")
  case "$status" in
    "") echo CREATE ;;
    REVIEW_IN_PROGRESS)
      echo "==> stack $stack is an empty leftover of a change set never executed; creating it" >&2
      echo CREATE ;;
    ROLLBACK_COMPLETE)
      if [ "$layer" != application ]; then
        die "stack $stack failed its first creation (ROLLBACK_COMPLETE) and cannot be updated. Read why:" \
          "'aws cloudformation describe-stack-events --stack-name $stack --region $REGION'; fix the cause, then delete it:" \
          "'aws cloudformation delete-stack --stack-name $stack --region $REGION &&" \
          "aws cloudformation wait stack-delete-complete --stack-name $stack --region $REGION', and run this again"
      fi
      if [ "$PLAN" = true ]; then
        echo "==> stack $stack failed its first creation (ROLLBACK_COMPLETE); a deploy deletes and re-creates it" >&2
        echo SKIP
        return 0
      fi
      echo "==> stack $stack failed its first creation (ROLLBACK_COMPLETE); it holds no data: deleting and re-creating it. Earlier failure:" >&2
      failure_reasons "$stack"
      "${AWS[@]}" cloudformation delete-stack --stack-name "$stack"
      "${AWS[@]}" cloudformation wait stack-delete-complete --stack-name "$stack"
      echo CREATE ;;
    UPDATE_ROLLBACK_FAILED)
      die "stack $stack is UPDATE_ROLLBACK_FAILED: fix the resource named in its events, then" \
        "'aws cloudformation continue-update-rollback --stack-name $stack --region $REGION', and run this again" ;;
    *_FAILED)
      die "stack $stack is $status: read its events ('aws cloudformation describe-stack-events --stack-name $stack" \
        "--region $REGION'), fix the cause, and run this again" ;;
    *) echo UPDATE ;;
  esac
}

# deploy_stack LAYER TEMPLATE STACK [Key=Value ...]
deploy_stack() {
  local layer=$1 template=$2 stack=$3
  shift 3
  local change_type change_set status reason parameters_file replaced
  change_type=$(prepare_stack "$layer" "$stack")
  if [ "$change_type" = SKIP ]; then
    plan_section "$stack" "failed first creation (ROLLBACK_COMPLETE): a deploy deletes and re-creates it"
    return 0
  fi
  if [ "$layer" = networking ] && [ "$change_type" = CREATE ] && [ -z "$NAT_PER_AZ" ]; then
    if [ "$ENVIRONMENT" = prod ]; then set -- "$@" NatGatewayPerAz=true; else set -- "$@" NatGatewayPerAz=false; fi
  fi
  if [ "$layer" = application ] && [ "$change_type" = CREATE ]; then check_no_retained_repository; fi
  log "$([ "$PLAN" = true ] && echo planning || echo deploying) $stack from $(basename "$template")"

  parameters_file="$WORK_DIR/$stack-parameters.json"
  write_parameters "$template" "$stack" "$change_type" "$parameters_file" "$@"
  change_set="maticko-$(date -u +%Y%m%d%H%M%S)-$RANDOM"
  local create=("${AWS[@]}" cloudformation create-change-set --stack-name "$stack"
    --change-set-name "$change_set" --change-set-type "$change_type"
    --template-body "file://$template" --capabilities CAPABILITY_IAM
    --parameters "file://$parameters_file"
    --tags "Key=Project,Value=maticko" "Key=Environment,Value=$ENVIRONMENT")
  if [ -n "$ROLE_ARN" ]; then create+=(--role-arn "$ROLE_ARN"); fi
  if [ "$layer" = application ] && [ "$change_type" = UPDATE ]; then
    create+=(--rollback-configuration "$(rollback_configuration)")
  fi
  "${create[@]}" > /dev/null

  while :; do
    status=$("${AWS[@]}" cloudformation describe-change-set --stack-name "$stack" --change-set-name "$change_set" \
      --query Status --output text)
    case "$status" in
      CREATE_COMPLETE | FAILED) break ;;
    esac
    sleep 2
  done
  if [ "$status" = FAILED ]; then
    reason=$("${AWS[@]}" cloudformation describe-change-set --stack-name "$stack" --change-set-name "$change_set" \
      --query StatusReason --output text)
    "${AWS[@]}" cloudformation delete-change-set --stack-name "$stack" --change-set-name "$change_set"
    if [[ "$reason" == *"didn't contain changes"* ]] || [[ "$reason" == *"No updates are to be performed"* ]]; then
      print_no_changes "$stack"
      return 0
    fi
    if [ "$change_type" = CREATE ]; then "${AWS[@]}" cloudformation delete-stack --stack-name "$stack"; fi
    if [ "$PLAN" = true ]; then
      plan_section "$stack" "CloudFormation refused the change set: $reason"
      return 0
    fi
    die "CloudFormation refused the change set for $stack: $reason"
  fi

  if [ "$PLAN" = true ]; then
    print_plan "$stack" "$change_set" "$change_type"
    "${AWS[@]}" cloudformation delete-change-set --stack-name "$stack" --change-set-name "$change_set"
    # A change set of a new stack leaves the stack as an empty REVIEW_IN_PROGRESS shell.
    if [ "$change_type" = CREATE ]; then "${AWS[@]}" cloudformation delete-stack --stack-name "$stack"; fi
    return 0
  fi

  if [ "$layer" = database ] && [ "$change_type" = UPDATE ]; then
    replaced=$("${AWS[@]}" cloudformation describe-change-set --stack-name "$stack" --change-set-name "$change_set" \
      --query "Changes[?ResourceChange.LogicalResourceId=='DBInstance' && (ResourceChange.Action=='Remove' || ResourceChange.Replacement=='True' || ResourceChange.Replacement=='Conditional')] | length(@)" \
      --output text)
    if [ "$replaced" != 0 ]; then
      if [ "$ALLOW_DB_REPLACEMENT" = false ]; then
        "${AWS[@]}" cloudformation delete-change-set --stack-name "$stack" --change-set-name "$change_set"
        die "this change would replace or delete the database instance (new instance, empty unless restored)." \
          "Nothing was changed. If that is intended, take a snapshot and run again with --allow-db-replacement"
      fi
      log "--allow-db-replacement: lifting the database stack policy for this update"
      RESTORE_DATABASE_POLICY=$stack
      "${AWS[@]}" cloudformation set-stack-policy --stack-name "$stack" \
        --stack-policy-body "file://$ALLOW_ALL_STACK_POLICY"
    fi
  fi

  # Resources created by a failed operation are deleted on rollback, even those
  # marked Retain (the ECR repository), so a re-run does not collide with them.
  "${AWS[@]}" cloudformation execute-change-set --stack-name "$stack" --change-set-name "$change_set" \
    --retain-except-on-create
  if [ "$layer" = application ] && [ "$change_type" = UPDATE ]; then
    log "waiting for $stack (rollback triggers watched for $ROLLBACK_MONITORING_MINUTES minutes after the update)"
  else
    log "waiting for $stack"
  fi
  wait_for_stack "$stack" "${change_type}_COMPLETE"
  protect_stack "$layer" "$stack"
}

# Termination protection on every prod stack, and the database's stack policy
# (set again each run, which also ends an --allow-db-replacement exception).
protect_stack() {
  local layer=$1 stack=$2
  if [ "$layer" = database ]; then
    "${AWS[@]}" cloudformation set-stack-policy --stack-name "$stack" --stack-policy-body "file://$DATABASE_STACK_POLICY"
    RESTORE_DATABASE_POLICY=""
  fi
  if [ "$ENVIRONMENT" = prod ]; then
    "${AWS[@]}" cloudformation update-termination-protection --enable-termination-protection \
      --stack-name "$stack" > /dev/null
  fi
}

# Rollback triggers: the alarms the application stack exports for it.
# An empty list (--no-rollback-triggers) removes them for this update; CloudFormation
# would otherwise reuse the stack's last rollback configuration.
rollback_configuration() {
  local triggers="" arn output
  if [ "$ROLLBACK_TRIGGERS" = false ]; then
    echo "==> warning: no rollback triggers for this update (--no-rollback-triggers)" >&2
    printf '{"RollbackTriggers": [], "MonitoringTimeInMinutes": 0}'
    return 0
  fi
  for output in Target5xxAlarmArn UnhealthyHostsAlarmArn; do
    arn=$(stack_output "$APPLICATION_STACK" "$output")
    if [ -z "$arn" ]; then
      echo "==> warning: $APPLICATION_STACK has no $output output yet; this update runs without that rollback trigger" >&2
      continue
    fi
    triggers+="${triggers:+, }{\"Arn\": \"$arn\", \"Type\": \"AWS::CloudWatch::Alarm\"}"
  done
  printf '{"RollbackTriggers": [%s], "MonitoringTimeInMinutes": %s}' "$triggers" "$ROLLBACK_MONITORING_MINUTES"
}

# The template names the repository maticko-<env>; one retained from an earlier
# teardown would make the creation fail after minutes. Stop now with the choices.
check_no_retained_repository() {
  "${AWS[@]}" ecr describe-repositories --repository-names "$REPOSITORY" > /dev/null 2>&1 || return 0
  die "the ECR repository $REPOSITORY already exists (retained when an earlier $APPLICATION_STACK was deleted)," \
    "so CloudFormation cannot create it. Choose one: (1) delete it with its images:" \
    "'aws ecr delete-repository --repository-name $REPOSITORY --force --region $REGION', then run this again" \
    "(push the image again afterwards); or (2) keep it: pull or copy the images you need elsewhere first, then (1);" \
    "this script does not adopt an existing repository (CloudFormation resource import would)"
}

# A deploy freeze (prescale.sh) stops application deploys until it expires.
check_freeze() {
  local value out until reason now
  if ! out=$("${AWS[@]}" ssm get-parameter --name "$FREEZE_PARAMETER" --query Parameter.Value --output text 2>&1); then
    [[ "$out" == *ParameterNotFound* ]] && return 0
    die "cannot read the deploy freeze $FREEZE_PARAMETER: $out"
  fi
  value=$out
  until=${value%% *}
  reason=${value#"$until"}
  reason=${reason# }
  now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  if [[ "$until" > "$now" ]]; then
    if [ "$IGNORE_FREEZE" = true ]; then
      log "deploy freeze until $until ($reason) overridden with --ignore-freeze"
      return 0
    fi
    [ "$PLAN" = true ] && { log "note: a deploy freeze holds until $until ($reason); a deploy would refuse the application layer"; return 0; }
    die "deploy freeze until $until: $reason. The application layer is not deployed while it holds" \
      "(prescale.sh -e $ENVIRONMENT --release lifts it; --ignore-freeze overrides it for one run)"
  fi
  log "deploy freeze $FREEZE_PARAMETER expired at $until; ignored"
}

# Live group values before the update (the group exists once an image was deployed).
read_live_group() {
  LIVE_GROUP=$(stack_output "$APPLICATION_STACK" AutoScalingGroupName)
  LIVE_DESIRED=""
  LIVE_MIN=""
  [ -n "$LIVE_GROUP" ] || return 0
  read -r LIVE_DESIRED LIVE_MIN < <("${AWS[@]}" autoscaling describe-auto-scaling-groups \
    --auto-scaling-group-names "$LIVE_GROUP" \
    --query 'AutoScalingGroups[0].[DesiredCapacity, MinSize]' --output text)
}

# AMI: explicit, refreshed, or the running one; the latest AL2023 on creation.
choose_ami() {
  local previous latest
  previous=$(stack_parameter "$APPLICATION_STACK" AmiId)
  if [ -z "$previous" ]; then
    # A stack from before AmiId: keep what LatestAmiId resolved to.
    previous=$(stack_parameter "$APPLICATION_STACK" LatestAmiId ResolvedValue)
  fi
  if [ -n "$AMI_ID" ]; then
    log "AMI $AMI_ID (--ami-id)"
  elif [ "$REFRESH_AMI" = false ] && [ -n "$previous" ]; then
    AMI_ID=$previous
    log "AMI $AMI_ID (kept; --refresh-ami moves to the latest Amazon Linux 2023)"
  else
    latest=$("${AWS[@]}" ssm get-parameter --name "$LATEST_AMI_PARAMETER" --query Parameter.Value --output text)
    AMI_ID=$latest
    if [ -n "$previous" ] && [ "$previous" != "$latest" ]; then
      log "AMI $AMI_ID (--refresh-ami: latest Amazon Linux 2023, was $previous; the fleet rolls)"
    else
      log "AMI $AMI_ID (latest Amazon Linux 2023)"
    fi
  fi
  APP_OVERRIDES+=("AmiId=$AMI_ID")
}

notify() {
  [ -n "$NOTIFY_TOPIC" ] || return 0
  "${AWS[@]}" sns publish --topic-arn "$NOTIFY_TOPIC" --subject "Maticko $ENVIRONMENT deploy" \
    --message "$1" > /dev/null 2>&1 || echo "warning: could not publish the deploy notice" >&2
}

github_output() {
  [ -n "${GITHUB_OUTPUT:-}" ] || return 0
  echo "$1=$2" >> "$GITHUB_OUTPUT"
}

# CloudFormation already waited for every new instance's own /health/; this waits
# until the load balancer sees a healthy target too (HEALTH_WAIT_SECONDS, default 600).
wait_until_healthy() {
  local target_group healthy waited=0
  target_group=$(stack_output "$APPLICATION_STACK" TargetGroupArn)
  while :; do
    healthy=$("${AWS[@]}" elbv2 describe-target-health --target-group-arn "$target_group" \
      --query "length(TargetHealthDescriptions[?TargetHealth.State=='healthy'])" --output text)
    if [ "$healthy" -gt 0 ]; then
      log "$healthy healthy target(s) behind the load balancer"
      return 0
    fi
    [ "$waited" -lt "$HEALTH_WAIT_SECONDS" ] || die "no healthy target after $HEALTH_WAIT_SECONDS s: check the instances' /health/ and the application logs"
    sleep 10
    waited=$((waited + 10))
  done
}

on_error() {
  local status=$?
  if [ -n "$RESTORE_DATABASE_POLICY" ]; then
    "${AWS[@]}" cloudformation set-stack-policy --stack-name "$RESTORE_DATABASE_POLICY" \
      --stack-policy-body "file://$DATABASE_STACK_POLICY" ||
      echo "warning: could not restore the stack policy of $RESTORE_DATABASE_POLICY: the next run sets it again" >&2
  fi
  notify "Deploy of Maticko to $ENVIRONMENT ($REGION) FAILED (image ${IMAGE_TAG:-unchanged}). CloudFormation rolls the failed layer back; see its stack events."
  echo "deploy-layered.sh: deploy failed (exit $status); see the stack events in the CloudFormation console or: aws cloudformation describe-stack-events --stack-name <stack>" >&2
  exit "$status"
}
trap on_error ERR

# ---------------------------------------------------------------- preflight
if [ -z "$ROLE_ARN" ] && stack_exists "$BOOTSTRAP_STACK"; then
  ROLE_ARN=$(stack_output "$BOOTSTRAP_STACK" CloudFormationServiceRoleArn)
fi
if [ -n "$ROLE_ARN" ]; then log "CloudFormation service role $ROLE_ARN"; fi
if [ "$PLAN" = false ] && stack_exists "$BOOTSTRAP_STACK"; then
  "${AWS[@]}" cloudformation update-termination-protection --enable-termination-protection \
    --stack-name "$BOOTSTRAP_STACK" > /dev/null
fi
if [ -n "$NAT_PER_AZ" ]; then NETWORK_OVERRIDES+=("NatGatewayPerAz=$NAT_PER_AZ"); fi
if [ "$DEPLOY_APPLICATION" = true ]; then
  check_freeze
  read_live_group
  if [ -n "$DESIRED_CAPACITY" ]; then
    log "desired capacity $DESIRED_CAPACITY (--desired-capacity)"
  elif [ -n "$LIVE_DESIRED" ]; then
    DESIRED_CAPACITY=$LIVE_DESIRED
    log "desired capacity $DESIRED_CAPACITY (the live group's, kept)"
  fi
  if [ -n "$DESIRED_CAPACITY" ]; then APP_OVERRIDES+=("DesiredCapacity=$DESIRED_CAPACITY"); fi
  choose_ami
fi
if [ "$NOTIFY" = true ] && [ "$PLAN" = false ] && stack_exists "$NETWORK_STACK"; then
  NOTIFY_TOPIC=$(stack_output "$NETWORK_STACK" NotificationTopicArn)
fi

# ---------------------------------------------------------------- 1. networking
if [ "$DEPLOY_NETWORKING" = true ]; then
  deploy_stack networking "$TEMPLATES/01-networking.yaml" "$NETWORK_STACK" \
    "Environment=$ENVIRONMENT" ${NETWORK_OVERRIDES[@]+"${NETWORK_OVERRIDES[@]}"}
fi
if [ "$PLAN" = true ]; then
  stack_exists "$NETWORK_STACK" || [ "$DEPLOY_NETWORKING" = true ] || die "the networking stack $NETWORK_STACK does not exist"
else
  stack_exists "$NETWORK_STACK" || die "the networking stack $NETWORK_STACK does not exist: deploy it first"
  if [ "$NOTIFY" = true ]; then NOTIFY_TOPIC=$(stack_output "$NETWORK_STACK" NotificationTopicArn); fi
  notify "Deploy of Maticko to $ENVIRONMENT ($REGION) started (image ${IMAGE_TAG:-unchanged})."
fi

# ---------------------------------------------------------------- 2. database
if [ "$DEPLOY_DATABASE" = true ]; then
  deploy_stack database "$TEMPLATES/03-database.yaml" "$DATABASE_STACK" \
    "Environment=$ENVIRONMENT" "NetworkStackName=$NETWORK_STACK" \
    ${DATABASE_OVERRIDES[@]+"${DATABASE_OVERRIDES[@]}"}
fi

# ---------------------------------------------------------------- 3. application
if [ "$DEPLOY_APPLICATION" = true ]; then
  if [ "$PLAN" = false ]; then
    stack_exists "$DATABASE_STACK" || die "the database stack $DATABASE_STACK does not exist: deploy it first"
  fi
  if [ -n "$IMAGE_TAG" ]; then
    "${AWS[@]}" ecr describe-repositories --repository-names "$REPOSITORY" > /dev/null 2>&1 ||
      die "ECR repository $REPOSITORY does not exist yet: run this script once without --image-tag, push the image, then run it again with --image-tag"
    "${AWS[@]}" ecr describe-images --repository-name "$REPOSITORY" --image-ids "imageTag=$IMAGE_TAG" > /dev/null 2>&1 ||
      die "image $REPOSITORY:$IMAGE_TAG is not in ECR: push it first (docker push $ACCOUNT.dkr.ecr.$REGION.amazonaws.com/$REPOSITORY:$IMAGE_TAG)"
    APP_OVERRIDES+=("ImageTag=$IMAGE_TAG")
  fi
  deploy_stack application "$TEMPLATES/02-application.yaml" "$APPLICATION_STACK" \
    "Environment=$ENVIRONMENT" "NetworkStackName=$NETWORK_STACK" \
    "DatabaseStackName=$DATABASE_STACK" ${APP_OVERRIDES[@]+"${APP_OVERRIDES[@]}"}
fi

if [ "$PLAN" = true ]; then
  log "plan complete: the change sets were deleted, nothing was changed"
  exit 0
fi

if [ "$DEPLOY_APPLICATION" = true ]; then
  # CloudFormation re-applies the template's MinSize (1) with every group update;
  # a floor raised by hand or by prescale.sh stays until prescale.sh --release.
  GROUP=$(stack_output "$APPLICATION_STACK" AutoScalingGroupName)
  if [ -n "$GROUP" ] && [ -n "$LIVE_MIN" ]; then
    current_min=$("${AWS[@]}" autoscaling describe-auto-scaling-groups --auto-scaling-group-names "$GROUP" \
      --query 'AutoScalingGroups[0].MinSize' --output text)
    if [ "$current_min" -lt "$LIVE_MIN" ]; then
      log "restoring the group's minimum size $LIVE_MIN (the update set it to $current_min)"
      "${AWS[@]}" autoscaling update-auto-scaling-group --auto-scaling-group-name "$GROUP" --min-size "$LIVE_MIN"
    fi
  fi
  RUNNING_TAG=$(stack_output "$APPLICATION_STACK" ImageTag)
  SITE_URL=$(stack_output "$APPLICATION_STACK" SiteUrl)
  RUNNING_AMI=$(stack_parameter "$APPLICATION_STACK" AmiId)
  if [ -z "$RUNNING_TAG" ] || [ "$RUNNING_TAG" = none ]; then
    RUNNING_TAG=""
    echo
    echo "No image deployed yet. Push one to $(stack_output "$APPLICATION_STACK" ImageRepositoryUri):<git sha>"
    echo "and run: $0 --environment $ENVIRONMENT --image-tag <git sha>"
  else
    wait_until_healthy
    log "image $RUNNING_TAG is running on AMI $RUNNING_AMI"
  fi
  github_output image-tag "$RUNNING_TAG"
  github_output ami-id "$RUNNING_AMI"
  github_output site-url "$SITE_URL"
  notify "Deploy of Maticko to $ENVIRONMENT ($REGION) finished: image ${RUNNING_TAG:-none} at $SITE_URL"
  echo
  echo "Maticko ($ENVIRONMENT): $SITE_URL"
else
  notify "Deploy of Maticko to $ENVIRONMENT ($REGION) finished (layers ${LAYERS})."
fi
