#!/usr/bin/env bash
# Deploys Maticko's CloudFormation layers in dependency order:
#   1. networking  (cloudformation/01-networking.yaml)  stack maticko-networking-<env>
#   2. database    (cloudformation/03-database.yaml)    stack maticko-database-<env>
#   3. application (cloudformation/02-application.yaml) stack maticko-application-<env>
# Each layer imports the exports of the ones before it. A re-run without changes
# succeeds without touching anything. See infrastructure/README.md.
set -euo pipefail
set -o errtrace

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TEMPLATES="$SCRIPT_DIR/cloudformation"

usage() {
  cat <<'EOF'
Usage: deploy-layered.sh [options]

  -e, --environment ENV      dev or prod (default: prod)
  -r, --region REGION        AWS region (default: AWS_REGION, AWS_DEFAULT_REGION or the CLI profile's)
  -t, --image-tag TAG        image tag (git commit SHA) to roll out; it must already be in the
                             environment's ECR repository. Without it the running tag is kept
                             (on the very first deploy no instances are started yet).
      --endpoint-url URL     send every AWS call to URL (an emulator, for tests)
      --certificate-arn ARN  ACM certificate: serve HTTPS and redirect HTTP to it
      --domain-name NAME     public host name pointed at the load balancer
      --alarm-email ADDRESS  subscribe ADDRESS to alarms and deploy notices
      --email-secret-arn ARN Secrets Manager secret with SES SMTP credentials
      --from-email ADDRESS   DEFAULT_FROM_EMAIL of the application
      --nat-per-az true|false  one NAT gateway per Availability Zone
                             (default: true for prod, false for dev)
      --db-instance-class CLASS  RDS instance class (default: db.t3.micro)
      --db-host HOST         disaster recovery: point the application at a restored database
      --db-secret-arn ARN    disaster recovery: the restored database's RDS-managed secret
                             (both '' to use the database stack's instance again)
      --only LAYER           deploy one layer only: networking, database or application
  -h, --help                 show this help

Unchanged options keep their previous values on a re-run.
EOF
}

HEALTH_WAIT_SECONDS=${HEALTH_WAIT_SECONDS:-600}
NOTIFY_TOPIC=""
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
ONLY=""
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
    --certificate-arn) need_value "$@"; APP_OVERRIDES+=("CertificateArn=$2"); shift 2 ;;
    --domain-name) need_value "$@"; APP_OVERRIDES+=("DomainName=$2"); shift 2 ;;
    --alarm-email) need_value "$@"; NETWORK_OVERRIDES+=("AlarmEmail=$2"); shift 2 ;;
    --email-secret-arn) need_value "$@"; APP_OVERRIDES+=("EmailSecretArn=$2"); shift 2 ;;
    --from-email) need_value "$@"; APP_OVERRIDES+=("DefaultFromEmail=$2"); shift 2 ;;
    --nat-per-az) need_value "$@"; NAT_PER_AZ=$2; shift 2 ;;
    --db-instance-class) need_value "$@"; DATABASE_OVERRIDES+=("DBInstanceClass=$2"); shift 2 ;;
    # These two may be given empty ('') to go back to the database stack's exports.
    --db-host) [ "$#" -ge 2 ] || die "option $1 needs a value"; APP_OVERRIDES+=("DatabaseHostOverride=$2"); shift 2 ;;
    --db-secret-arn) [ "$#" -ge 2 ] || die "option $1 needs a value"; APP_OVERRIDES+=("DatabaseSecretArnOverride=$2"); shift 2 ;;
    --only) need_value "$@"; ONLY=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
done

case "$ENVIRONMENT" in
  dev | prod) ;;
  *) die "--environment must be dev or prod, not '$ENVIRONMENT'" ;;
esac
case "$ONLY" in
  "" | networking | database | application) ;;
  *) die "--only must be networking, database or application, not '$ONLY'" ;;
esac
if [ -z "$NAT_PER_AZ" ]; then
  if [ "$ENVIRONMENT" = prod ]; then NAT_PER_AZ=true; else NAT_PER_AZ=false; fi
fi
case "$NAT_PER_AZ" in
  true | false) ;;
  *) die "--nat-per-az must be true or false, not '$NAT_PER_AZ'" ;;
esac
if [ -n "$IMAGE_TAG" ] && ! [[ "$IMAGE_TAG" =~ ^[A-Za-z0-9_.-]{1,128}$ ]]; then
  die "--image-tag '$IMAGE_TAG' is not a valid image tag"
fi

NETWORK_STACK="maticko-networking-$ENVIRONMENT"
DATABASE_STACK="maticko-database-$ENVIRONMENT"
APPLICATION_STACK="maticko-application-$ENVIRONMENT"
REPOSITORY="maticko-$ENVIRONMENT"

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
log "account $ACCOUNT, region $REGION, environment $ENVIRONMENT"

stack_exists() {
  "${AWS[@]}" cloudformation describe-stacks --stack-name "$1" > /dev/null 2>&1
}

stack_output() {
  "${AWS[@]}" cloudformation describe-stacks --stack-name "$1" \
    --query "Stacks[0].Outputs[?OutputKey=='$2'].OutputValue | [0]" --output text
}

deploy_stack() {
  local template=$1 stack=$2
  shift 2
  log "deploying $stack from $(basename "$template")"
  "${AWS[@]}" cloudformation deploy \
    --template-file "$template" \
    --stack-name "$stack" \
    --capabilities CAPABILITY_IAM \
    --no-fail-on-empty-changeset \
    --tags Project=maticko "Environment=$ENVIRONMENT" \
    --parameter-overrides "$@"
}

notify() {
  [ -n "$NOTIFY_TOPIC" ] || return 0
  "${AWS[@]}" sns publish --topic-arn "$NOTIFY_TOPIC" --subject "Maticko $ENVIRONMENT deploy" \
    --message "$1" > /dev/null 2>&1 || echo "warning: could not publish the deploy notice" >&2
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
  notify "Deploy of Maticko to $ENVIRONMENT ($REGION) FAILED (image ${IMAGE_TAG:-unchanged}). CloudFormation rolls the failed layer back; see its stack events."
  echo "deploy-layered.sh: deploy failed (exit $status); see the stack events in the CloudFormation console or: aws cloudformation describe-stack-events --stack-name <stack>" >&2
  exit "$status"
}
trap on_error ERR

# ---------------------------------------------------------------- 1. networking
if [ -z "$ONLY" ] || [ "$ONLY" = networking ]; then
  deploy_stack "$TEMPLATES/01-networking.yaml" "$NETWORK_STACK" \
    "Environment=$ENVIRONMENT" "NatGatewayPerAz=$NAT_PER_AZ" ${NETWORK_OVERRIDES[@]+"${NETWORK_OVERRIDES[@]}"}
fi
stack_exists "$NETWORK_STACK" || die "the networking stack $NETWORK_STACK does not exist: deploy it first"
NOTIFY_TOPIC=$(stack_output "$NETWORK_STACK" NotificationTopicArn)
[ "$NOTIFY_TOPIC" != None ] || NOTIFY_TOPIC=""
notify "Deploy of Maticko to $ENVIRONMENT ($REGION) started (image ${IMAGE_TAG:-unchanged})."

# ---------------------------------------------------------------- 2. database
if [ -z "$ONLY" ] || [ "$ONLY" = database ]; then
  deploy_stack "$TEMPLATES/03-database.yaml" "$DATABASE_STACK" \
    "Environment=$ENVIRONMENT" "NetworkStackName=$NETWORK_STACK" \
    ${DATABASE_OVERRIDES[@]+"${DATABASE_OVERRIDES[@]}"}
fi

# ---------------------------------------------------------------- 3. application
if [ -z "$ONLY" ] || [ "$ONLY" = application ]; then
  stack_exists "$DATABASE_STACK" || die "the database stack $DATABASE_STACK does not exist: deploy it first"
  if [ -n "$IMAGE_TAG" ]; then
    "${AWS[@]}" ecr describe-repositories --repository-names "$REPOSITORY" > /dev/null 2>&1 ||
      die "ECR repository $REPOSITORY does not exist yet: run this script once without --image-tag, push the image, then run it again with --image-tag"
    "${AWS[@]}" ecr describe-images --repository-name "$REPOSITORY" --image-ids "imageTag=$IMAGE_TAG" > /dev/null 2>&1 ||
      die "image $REPOSITORY:$IMAGE_TAG is not in ECR: push it first (docker push $ACCOUNT.dkr.ecr.$REGION.amazonaws.com/$REPOSITORY:$IMAGE_TAG)"
    APP_OVERRIDES+=("ImageTag=$IMAGE_TAG")
  fi
  deploy_stack "$TEMPLATES/02-application.yaml" "$APPLICATION_STACK" \
    "Environment=$ENVIRONMENT" "NetworkStackName=$NETWORK_STACK" \
    "DatabaseStackName=$DATABASE_STACK" ${APP_OVERRIDES[@]+"${APP_OVERRIDES[@]}"}

  RUNNING_TAG=$(stack_output "$APPLICATION_STACK" ImageTag)
  if [ -z "$RUNNING_TAG" ] || [ "$RUNNING_TAG" = None ] || [ "$RUNNING_TAG" = none ]; then
    echo
    echo "No image deployed yet. Push one to $(stack_output "$APPLICATION_STACK" ImageRepositoryUri):<git sha>"
    echo "and run: $0 --environment $ENVIRONMENT --image-tag <git sha>"
  else
    wait_until_healthy
    log "image $RUNNING_TAG is running"
  fi
  SITE_URL=$(stack_output "$APPLICATION_STACK" SiteUrl)
  notify "Deploy of Maticko to $ENVIRONMENT ($REGION) finished: image ${RUNNING_TAG:-none} at $SITE_URL"
  echo
  echo "Maticko ($ENVIRONMENT): $SITE_URL"
else
  notify "Deploy of Maticko to $ENVIRONMENT ($REGION) finished (layer $ONLY)."
fi
