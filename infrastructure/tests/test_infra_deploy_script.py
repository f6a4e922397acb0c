"""deploy-layered.sh, prescale.sh and rotate-db-password.sh against moto's server:
desired capacity and AMI kept across deploys, the deploy freeze and the on-sale
pre-scale, rollback triggers, --plan, stack protection, ROLLBACK_COMPLETE recovery,
the retained ECR repository, NAT not re-passed, and the alternating-users rotation.

Every script runs for real, through the AWS CLI, against one emulator (its own, so
the state here is independent of test_infra_deploy.py's). moto stores no rollback
configuration and no role of a change set, so those are read from what the script
sent: the CLI is called through a recording wrapper (`aws` first on PATH, appending
its arguments to a log, then running the real CLI).

The tests are one scenario on one dev environment and run in the order written
(scale out, deploy, change AMI and capacity, freeze, pre-scale, plan, delete and
re-create); each states what it expects of the state the ones before it left."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import test_infra_deploy
from maticko_infra_support import INFRA_DIR
from test_infra_deploy import IMAGE_TAG, _stack_outputs, run_script

pytestmark = [pytest.mark.infra, pytest.mark.slow]

# The deploy test's fixtures: a moto server of this module's own, the CLI's
# environment pointed at it, boto3 clients for reading back.
emulator = test_infra_deploy.emulator
aws_env = test_infra_deploy.aws_env
client = test_infra_deploy.client

PRESCALE = INFRA_DIR / "prescale.sh"
ROTATE = INFRA_DIR / "rotate-db-password.sh"
SECOND_TAG = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d"
FREEZE = "/maticko/dev/deploy-freeze"
LATEST_AMI = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
ROLE_ARN = "arn:aws:iam::123456789012:role/maticko-cloudformation"


def push_image(client, tag: str) -> None:
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {
            "mediaType": "application/vnd.docker.container.image.v1+json",
            "size": 2,
            "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
        },
        "layers": [],
    }
    client("ecr").put_image(repositoryName="maticko-dev", imageManifest=json.dumps(manifest), imageTag=tag)


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def run_tool(script: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(script), *args], capture_output=True, text=True, env=env, timeout=300)


def group(client) -> dict:
    name = _stack_outputs(client, "maticko-application-dev")["AutoScalingGroupName"]
    return client("autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=[name])[
        "AutoScalingGroups"
    ][0]


def stack_parameter(client, stack: str, key: str) -> str:
    parameters = client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]["Parameters"]
    return next(p["ParameterValue"] for p in parameters if p["ParameterKey"] == key)


def recorded_calls(log: Path) -> list[list[str]]:
    """The argument lists of every aws call the wrapper saw."""
    calls = log.read_text().split("<<end>>\n")
    return [call.splitlines() for call in calls if call]


@pytest.fixture(scope="module")
def recording_env(aws_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """aws_env with `aws` wrapped: each call's arguments go to AWS_CALL_LOG first."""
    bin_dir = tmp_path_factory.mktemp("recording-bin")
    real = subprocess.run(
        ["bash", "-c", "command -v aws"], capture_output=True, text=True, env=aws_env, check=True
    ).stdout.strip()
    wrapper = bin_dir / "aws"
    wrapper.write_text(
        "#!/usr/bin/env bash\n"
        "{ printf '%s\\n' \"$@\"; echo '<<end>>'; } >> \"$AWS_CALL_LOG\"\n"
        f'exec "{real}" "$@"\n'
    )
    wrapper.chmod(0o755)
    log = bin_dir / "calls.log"
    log.touch()
    return {**aws_env, "PATH": f"{bin_dir}{os.pathsep}{aws_env['PATH']}", "AWS_CALL_LOG": str(log)}


@pytest.fixture(scope="module")
def dev(emulator: str, aws_env: dict[str, str], client) -> Callable[..., subprocess.CompletedProcess[str]]:
    """A dev environment with an image running; returns a runner of deploy-layered.sh."""

    def deploy(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return run_script("--environment", "dev", "--endpoint-url", emulator, *args, env=env or aws_env)

    ok(deploy())
    push_image(client, IMAGE_TAG)
    # Created with one NAT gateway per zone on purpose: later runs must not flip it back.
    ok(deploy("--image-tag", IMAGE_TAG, "--nat-per-az", "true"))
    return deploy


@pytest.fixture(scope="module")
def scaled_out_deploy(dev, client, recording_env, tmp_path_factory) -> dict:
    """The group scaled out by hand to 4, then a release deployed (through the recorder),
    with a bootstrap stack offering a CloudFormation service role."""
    client("cloudformation").create_stack(
        StackName="maticko-bootstrap",
        TemplateBody=json.dumps(
            {
                "Resources": {"Marker": {"Type": "AWS::SNS::Topic"}},
                "Outputs": {"CloudFormationServiceRoleArn": {"Value": ROLE_ARN}},
            }
        ),
    )
    ami_before = stack_parameter(client, "maticko-application-dev", "AmiId")
    client("autoscaling").set_desired_capacity(
        AutoScalingGroupName=group(client)["AutoScalingGroupName"], DesiredCapacity=4
    )
    push_image(client, SECOND_TAG)
    github_output = tmp_path_factory.mktemp("github") / "output"
    result = ok(dev("--image-tag", SECOND_TAG, env={**recording_env, "GITHUB_OUTPUT": str(github_output)}))
    return {
        "result": result,
        "ami_before": ami_before,
        "calls": recorded_calls(Path(recording_env["AWS_CALL_LOG"])),
        "github_output": github_output.read_text(),
    }


# ---------------------------------------------------------------- capacity, AMI, triggers


def test_desired_capacity_survives_a_deploy_after_scaling_out_by_hand(scaled_out_deploy, client) -> None:
    assert _stack_outputs(client, "maticko-application-dev")["ImageTag"] == SECOND_TAG
    assert group(client)["DesiredCapacity"] == 4
    assert stack_parameter(client, "maticko-application-dev", "DesiredCapacity") == "4"
    assert "desired capacity 4 (the live group's, kept)" in scaled_out_deploy["result"].stdout


def test_the_running_ami_is_kept_and_written_to_github_output(scaled_out_deploy, client) -> None:
    ami = stack_parameter(client, "maticko-application-dev", "AmiId")
    assert ami == scaled_out_deploy["ami_before"]
    assert f"AMI {ami} (kept" in scaled_out_deploy["result"].stdout
    lines = scaled_out_deploy["github_output"].splitlines()
    assert f"image-tag={SECOND_TAG}" in lines
    assert f"ami-id={ami}" in lines
    site_url = _stack_outputs(client, "maticko-application-dev")["SiteUrl"]
    assert f"site-url={site_url}" in lines


def _change_set_calls(calls: list[list[str]], stack: str) -> list[list[str]]:
    return [c for c in calls if "create-change-set" in c and c[c.index("--stack-name") + 1] == stack]


def test_application_update_carries_the_rollback_triggers(scaled_out_deploy, client) -> None:
    (call,) = _change_set_calls(scaled_out_deploy["calls"], "maticko-application-dev")
    assert call[call.index("--change-set-type") + 1] == "UPDATE"
    configuration = json.loads(call[call.index("--rollback-configuration") + 1])
    outputs = _stack_outputs(client, "maticko-application-dev")
    assert configuration == {
        "RollbackTriggers": [
            {"Arn": outputs["Target5xxAlarmArn"], "Type": "AWS::CloudWatch::Alarm"},
            {"Arn": outputs["UnhealthyHostsAlarmArn"], "Type": "AWS::CloudWatch::Alarm"},
        ],
        "MonitoringTimeInMinutes": 10,
    }
    # The alarms exist under those ARNs.
    alarms = client("cloudwatch").describe_alarms(
        AlarmNames=["maticko-dev-target-5xx", "maticko-dev-unhealthy-hosts"]
    )
    assert {a["AlarmArn"] for a in alarms["MetricAlarms"]} == {
        outputs["Target5xxAlarmArn"],
        outputs["UnhealthyHostsAlarmArn"],
    }
    # The other layers get none.
    for stack in ("maticko-networking-dev", "maticko-database-dev"):
        (other,) = _change_set_calls(scaled_out_deploy["calls"], stack)
        assert "--rollback-configuration" not in other


def test_the_bootstrap_role_is_passed_and_the_bootstrap_protected(scaled_out_deploy, client) -> None:
    calls = scaled_out_deploy["calls"]
    for stack in ("maticko-networking-dev", "maticko-database-dev", "maticko-application-dev"):
        (call,) = _change_set_calls(calls, stack)
        assert call[call.index("--role-arn") + 1] == ROLE_ARN
    bootstrap = client("cloudformation").describe_stacks(StackName="maticko-bootstrap")["Stacks"][0]
    assert bootstrap["EnableTerminationProtection"] is True
    # dev stacks are left deletable.
    dev_stack = client("cloudformation").describe_stacks(StackName="maticko-application-dev")["Stacks"][0]
    assert dev_stack["EnableTerminationProtection"] is False


def test_nat_per_az_is_not_passed_again(scaled_out_deploy, client) -> None:
    # Set with --nat-per-az true (the second deploy); the later ones, without the
    # option, keep it (the old script passed the environment default, false, again).
    assert stack_parameter(client, "maticko-networking-dev", "NatGatewayPerAz") == "true"
    # (The second NAT gateway itself: moto does not add the resources whose
    # condition turns true on a stack update; the networking test checks prod's two.)


def test_explicit_desired_capacity_and_ami_then_refresh(scaled_out_deploy, dev, client) -> None:
    latest = client("ssm").get_parameter(Name=LATEST_AMI)["Parameter"]["Value"]
    other = next(
        image["ImageId"]
        for image in client("ec2").describe_images(Owners=["amazon"])["Images"]
        if image["ImageId"] != latest and image.get("Architecture") == "x86_64"
    )
    result = ok(dev("--layers", "application", "--desired-capacity", "3", "--ami-id", other))
    assert group(client)["DesiredCapacity"] == 3
    assert stack_parameter(client, "maticko-application-dev", "AmiId") == other
    assert f"AMI {other} (--ami-id)" in result.stdout
    # The next deploy keeps that AMI; --refresh-ami moves to the latest.
    ok(dev("--layers", "application", "--image-tag", IMAGE_TAG))
    assert stack_parameter(client, "maticko-application-dev", "AmiId") == other
    result = ok(dev("--layers", "application", "--refresh-ami"))
    assert stack_parameter(client, "maticko-application-dev", "AmiId") == latest
    assert f"was {other}" in result.stdout
    assert group(client)["DesiredCapacity"] == 3


# ---------------------------------------------------------------- freeze and pre-scale


def test_a_freeze_refuses_the_application_layer_until_ignored(dev, client) -> None:
    ssm = client("ssm")
    ssm.put_parameter(Name=FREEZE, Type="String", Value="2999-01-01T00:00:00Z On-sale of the Big Festival")
    try:
        result = dev("--layers", "application", "--image-tag", SECOND_TAG)
        assert result.returncode == 1
        assert "deploy freeze until 2999-01-01T00:00:00Z: On-sale of the Big Festival" in result.stderr
        assert _stack_outputs(client, "maticko-application-dev")["ImageTag"] == IMAGE_TAG
        # Other layers are not frozen.
        ok(dev("--layers", "database"))
        result = ok(dev("--layers", "application", "--image-tag", SECOND_TAG, "--ignore-freeze"))
        assert "overridden with --ignore-freeze" in result.stdout
        assert _stack_outputs(client, "maticko-application-dev")["ImageTag"] == SECOND_TAG
        # An expired freeze is ignored.
        ssm.put_parameter(Name=FREEZE, Type="String", Value="2000-01-01T00:00:00Z old", Overwrite=True)
        result = ok(dev("--layers", "application"))
        assert "expired at 2000-01-01T00:00:00Z" in result.stdout
    finally:
        ssm.delete_parameter(Name=FREEZE)


def test_prescale_then_release(emulator, aws_env, dev, client) -> None:
    before = group(client)
    result = ok(
        run_tool(
            PRESCALE,
            "-e",
            "dev",
            "--endpoint-url",
            emulator,
            "--instances",
            "5",
            "--freeze-until",
            "2999-06-01T20:00Z",
            "--reason",
            "Festival on-sale",
            env=aws_env,
        )
    )
    after = group(client)
    assert (after["MinSize"], after["DesiredCapacity"]) == (5, 5)
    assert "targets healthy behind the load balancer" in result.stdout
    target_group = _stack_outputs(client, "maticko-application-dev")["TargetGroupArn"]
    health = client("elbv2").describe_target_health(TargetGroupArn=target_group)["TargetHealthDescriptions"]
    assert len([t for t in health if t["TargetHealth"]["State"] == "healthy"]) >= 5
    freeze = client("ssm").get_parameter(Name=FREEZE)["Parameter"]["Value"]
    assert freeze == "2999-06-01T20:00:00Z Festival on-sale"
    refused = dev("--layers", "application", "--image-tag", IMAGE_TAG)
    assert refused.returncode == 1
    assert "Festival on-sale" in refused.stderr
    # A deploy that overrides the freeze keeps both the size and the raised floor.
    ok(dev("--layers", "application", "--image-tag", IMAGE_TAG, "--ignore-freeze"))
    assert (group(client)["MinSize"], group(client)["DesiredCapacity"]) == (5, 5)

    result = ok(run_tool(PRESCALE, "-e", "dev", "--endpoint-url", emulator, "--release", env=aws_env))
    released = group(client)
    assert (released["MinSize"], released["DesiredCapacity"]) == (
        before["MinSize"],
        before["DesiredCapacity"],
    )
    assert "deploy freeze lifted" in result.stdout
    with pytest.raises(client("ssm").exceptions.ParameterNotFound):
        client("ssm").get_parameter(Name=FREEZE)


def test_prescale_refuses_more_than_the_maximum(dev, emulator, aws_env) -> None:
    result = run_tool(PRESCALE, "-e", "dev", "--endpoint-url", emulator, "--instances", "11", env=aws_env)
    assert result.returncode == 1
    assert "from 1 to 10" in result.stderr


# ---------------------------------------------------------------- plan


def test_plan_prints_the_change_sets_and_changes_nothing(dev, client, aws_env, tmp_path) -> None:
    summary = tmp_path / "summary.md"
    cfn = client("cloudformation")
    before = cfn.describe_stacks(StackName="maticko-application-dev")["Stacks"][0]
    result = ok(
        dev(
            "--plan",
            "--layers",
            "database,application",
            "--desired-capacity",
            "6",
            env={**aws_env, "GITHUB_STEP_SUMMARY": str(summary)},
        )
    )
    assert "No changes" not in result.stdout.split("maticko-application-dev")[-1]
    assert "### maticko-database-dev: no changes" in result.stdout
    assert "### maticko-application-dev: update" in result.stdout
    assert "### maticko-application-dev: update" in summary.read_text()
    # (moto lists a change set's resource changes from the template only, so this
    # parameter-only update shows none; the new environment's plan below checks the table.)
    assert "maticko-networking-dev" not in result.stdout  # not selected
    after = cfn.describe_stacks(StackName="maticko-application-dev")["Stacks"][0]
    assert after["Parameters"] == before["Parameters"]
    assert after["StackStatus"] == before["StackStatus"]
    assert group(client)["DesiredCapacity"] != 6
    # No change set is left waiting (executed ones of earlier deploys are listed too).
    for stack in ("maticko-database-dev", "maticko-application-dev"):
        pending = [
            c
            for c in cfn.list_change_sets(StackName=stack)["Summaries"]
            if c["StackName"] == stack and c["ExecutionStatus"] == "AVAILABLE"
        ]
        assert pending == []


def test_plan_of_a_new_environment_leaves_no_stack(dev, emulator, aws_env, client) -> None:
    result = ok(
        run_script("-e", "prod", "--endpoint-url", emulator, "--plan", "--layers", "networking", env=aws_env)
    )
    assert "### maticko-networking-prod: new stack" in result.stdout
    assert "| Add | VPC | AWS::EC2::VPC |" in result.stdout
    live = [
        s["StackName"]
        for s in client("cloudformation").list_stacks()["StackSummaries"]
        if s["StackStatus"] != "DELETE_COMPLETE"
    ]
    assert "maticko-networking-prod" not in live


# ---------------------------------------------------------------- rotation


def _app_secret(client) -> dict[str, str]:
    arn = _stack_outputs(client, "maticko-database-dev")["DBAppSecretArn"]
    return json.loads(client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"])


def test_rotation_flips_the_app_user(dev, emulator, aws_env, client) -> None:
    first = _app_secret(client)
    assert first["username"] in {"maticko_app_a", "maticko_app_b"}
    result = ok(run_tool(ROTATE, "-e", "dev", "--endpoint-url", emulator, env=aws_env))
    second = _app_secret(client)
    assert {first["username"], second["username"]} == {"maticko_app_a", "maticko_app_b"}
    assert second["password"] != first["password"]
    assert len(second["password"]) == 40
    assert second["password"].isalnum()
    assert "within 5 minutes" in result.stdout
    # --now refreshes the instances one at a time through SSM Run Command.
    result = ok(run_tool(ROTATE, "-e", "dev", "--endpoint-url", emulator, "--now", env=aws_env))
    assert _app_secret(client)["username"] == first["username"]
    assert f"every instance runs as {first['username']}" in result.stdout


# ---------------------------------------------------------------- failed creations, protection


def _fail_first_creation(client, stack: str) -> None:
    """Creates STACK with a resource CloudFormation cannot create (a repository name
    that is taken): the creation fails and rolls back to ROLLBACK_COMPLETE."""
    client("ecr").create_repository(repositoryName=f"{stack}-taken")
    template = {
        "Resources": {
            "Repository": {"Type": "AWS::ECR::Repository", "Properties": {"RepositoryName": f"{stack}-taken"}}
        }
    }
    cfn = client("cloudformation")
    cfn.create_change_set(
        StackName=stack, ChangeSetName="first", ChangeSetType="CREATE", TemplateBody=json.dumps(template)
    )
    cfn.execute_change_set(StackName=stack, ChangeSetName="first")
    assert cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"] == "ROLLBACK_COMPLETE"


def test_a_failed_database_creation_stops_with_the_commands(dev, emulator, aws_env, client) -> None:
    _fail_first_creation(client, "maticko-database-prod")
    result = run_script(
        "-e", "prod", "--endpoint-url", emulator, "--layers", "networking,database", env=aws_env
    )
    assert result.returncode == 1
    assert "ROLLBACK_COMPLETE" in result.stderr
    assert (
        "aws cloudformation delete-stack --stack-name maticko-database-prod --region eu-central-1"
        in result.stderr
    )
    cfn = client("cloudformation")
    assert (
        cfn.describe_stacks(StackName="maticko-database-prod")["Stacks"][0]["StackStatus"]
        == "ROLLBACK_COMPLETE"
    )

    # After the documented commands, prod deploys and is protected.
    cfn.delete_stack(StackName="maticko-database-prod")
    ok(run_script("-e", "prod", "--endpoint-url", emulator, "--layers", "networking,database", env=aws_env))
    for stack in ("maticko-networking-prod", "maticko-database-prod"):
        assert cfn.describe_stacks(StackName=stack)["Stacks"][0]["EnableTerminationProtection"] is True
    policy = json.loads(cfn.get_stack_policy(StackName="maticko-database-prod")["StackPolicyBody"])
    deny = next(s for s in policy["Statement"] if s["Effect"] == "Deny")
    assert set(deny["Action"]) == {"Update:Replace", "Update:Delete"}
    assert deny["Resource"] == "LogicalResourceId/DBInstance"
    # prod's environment default applies on creation.
    assert stack_parameter(client, "maticko-networking-prod", "NatGatewayPerAz") == "true"


def test_a_retained_repository_stops_the_creation_then_a_failed_creation_is_recreated(dev, client) -> None:
    cfn = client("cloudformation")
    cfn.delete_stack(StackName="maticko-application-dev")
    # The ECR repository is Retain: it outlives the stack.
    client("ecr").describe_repositories(repositoryNames=["maticko-dev"])
    result = dev()
    assert result.returncode == 1
    assert "ECR repository maticko-dev already exists" in result.stderr
    assert "aws ecr delete-repository --repository-name maticko-dev --force" in result.stderr
    client("ecr").delete_repository(repositoryName="maticko-dev", force=True)

    _fail_first_creation(client, "maticko-application-dev")
    result = ok(dev("--layers", "application"))
    assert "failed its first creation (ROLLBACK_COMPLETE)" in result.stderr
    assert "deleting and re-creating it" in result.stderr
    assert (
        cfn.describe_stacks(StackName="maticko-application-dev")["Stacks"][0]["StackStatus"]
        == "CREATE_COMPLETE"
    )
