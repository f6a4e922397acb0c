"""The application layer deployed on moto's server (with the harness's shims,
moto_emulator.py): the WAF option as deployed (the web ACL, its association with
the load balancer and its logging exist by default in prod and not in dev), the load
balancer's shallow health path, and the outputs the deploy script and the pipeline
read. The networking and database layers are deployed first, from this repository's
templates, with `aws cloudformation deploy` as deploy-layered.sh does; a dev and a
prod application stack then share them (each environment names its own repository
and log groups).

Turning the WAF on or off on an existing stack is left to the template tests: moto's
stack updates do not apply a condition that changes (see moto_emulator.py, gap 7)."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from maticko_infra_support import APPLICATION, DATABASE, NETWORKING, TEMPLATE_DIR, find_tool, load
from test_infra_deploy import REGION, aws_env, client, emulator  # noqa: F401 - module fixtures

pytestmark = [pytest.mark.infra, pytest.mark.slow]

NETWORK_STACK = "maticko-networking-dev"
DATABASE_STACK = "maticko-database-dev"


def _deploy(endpoint: str, env: dict[str, str], template: str, stack: str, **parameters: str) -> None:
    aws = find_tool("aws")
    assert aws
    command = [
        aws,
        "cloudformation",
        "deploy",
        "--endpoint-url",
        endpoint,
        "--region",
        REGION,
        "--template-file",
        str(TEMPLATE_DIR / template),
        "--stack-name",
        stack,
        "--capabilities",
        "CAPABILITY_IAM",
        "--no-fail-on-empty-changeset",
    ]
    if parameters:
        command += ["--parameter-overrides", *(f"{key}={value}" for key, value in parameters.items())]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def deploy_application(emulator: str, aws_env: dict[str, str], client):  # noqa: F811
    """Deploys networking and database once; returns a function that deploys (or
    updates) the application layer of an environment and returns its outputs."""
    outputs = load(DATABASE).get("Outputs", {})
    missing = {"DBAppSecretArn", "DBConnectAddressParameter", "DBConnectAddressParameterArn"} - set(outputs)
    if missing:
        pytest.skip(f"the database template does not export {sorted(missing)} yet (stack interface C4)")
    _deploy(emulator, aws_env, NETWORKING, NETWORK_STACK, Environment="dev")
    _deploy(emulator, aws_env, DATABASE, DATABASE_STACK, Environment="dev", NetworkStackName=NETWORK_STACK)
    ami = client("ec2").describe_images(Owners=["amazon"])["Images"][0]["ImageId"]

    def deploy(environment: str, **parameters: str) -> dict[str, str]:
        stack_name = f"maticko-application-{environment}"
        _deploy(
            emulator,
            aws_env,
            APPLICATION,
            stack_name,
            Environment=environment,
            NetworkStackName=NETWORK_STACK,
            DatabaseStackName=DATABASE_STACK,
            AmiId=ami,
            **parameters,
        )
        stack = client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"][0]
        return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}

    return deploy


def _load_balancer_arn(client, dns_name: str) -> str:  # noqa: F811
    balancers = client("elbv2").describe_load_balancers()["LoadBalancers"]
    return next(b["LoadBalancerArn"] for b in balancers if b["DNSName"] == dns_name)


def test_waf_is_off_by_default_in_dev(deploy_application, client) -> None:  # noqa: F811
    outputs = deploy_application("dev")
    balancer = _load_balancer_arn(client, outputs["LoadBalancerDNSName"])
    assert client("wafv2").get_web_acl_for_resource(ResourceArn=balancer).get("WebACL") is None
    assert "WebAclArn" not in outputs
    groups = client("logs").describe_log_groups(logGroupNamePrefix="aws-waf-logs-maticko-dev")["logGroups"]
    assert groups == []


def test_waf_is_on_by_default_in_prod_and_guards_the_load_balancer(deploy_application, client) -> None:  # noqa: F811
    waf = client("wafv2")
    outputs = deploy_application("prod", WafRateLimit="8000")
    balancer = _load_balancer_arn(client, outputs["LoadBalancerDNSName"])
    acl = waf.get_web_acl_for_resource(ResourceArn=balancer)["WebACL"]
    assert acl["Name"] == "maticko-prod"
    assert outputs["WebAclArn"] == acl["ARN"]
    assert [summary["ARN"] for summary in waf.list_web_acls(Scope="REGIONAL")["WebACLs"]] == [acl["ARN"]]
    rules = {rule["Name"]: rule for rule in acl["Rules"]}
    assert set(rules) == {"rate-per-ip", "aws-ip-reputation", "aws-common", "aws-known-bad-inputs"}
    assert int(rules["rate-per-ip"]["Statement"]["RateBasedStatement"]["Limit"]) == 8000
    assert rules["rate-per-ip"]["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 429
    logging = waf.get_logging_configuration(ResourceArn=acl["ARN"])["LoggingConfiguration"]
    (destination,) = logging["LogDestinationConfigs"]
    assert re.fullmatch(rf"arn:aws:logs:{REGION}:\d{{12}}:log-group:aws-waf-logs-maticko-prod", destination)
    groups = client("logs").describe_log_groups(logGroupNamePrefix="aws-waf-logs-maticko-prod")["logGroups"]
    assert [group["logGroupName"] for group in groups] == ["aws-waf-logs-maticko-prod"]


def test_load_balancer_checks_the_shallow_path(deploy_application, client) -> None:  # noqa: F811
    outputs = deploy_application("dev")
    target_group = client("elbv2").describe_target_groups(TargetGroupArns=[outputs["TargetGroupArn"]])[
        "TargetGroups"
    ][0]
    assert target_group["HealthCheckPath"] == "/health/live/"
    assert target_group["HealthCheckIntervalSeconds"] == 30


def test_outputs_for_the_deploy_and_the_pipeline(deploy_application, client) -> None:  # noqa: F811
    outputs = deploy_application("dev")
    assert outputs["AmiId"].startswith("ami-")
    secret = json.loads(
        client("secretsmanager").get_secret_value(SecretId=outputs["DeployCheckSecretArn"])["SecretString"]
    )
    assert secret["email"] == "deploy-check@dev.maticko.invalid"
    assert re.fullmatch(r"[A-Za-z0-9]{32}", secret["password"])
    assert outputs["SiteUrl"] == f"http://{outputs['LoadBalancerDNSName']}/"
    alarms = client("cloudwatch").describe_alarms(
        AlarmNames=["maticko-dev-target-5xx", "maticko-dev-unhealthy-hosts"]
    )["MetricAlarms"]
    assert {alarm["AlarmArn"] for alarm in alarms} == {
        outputs["Target5xxAlarmArn"],
        outputs["UnhealthyHostsAlarmArn"],
    }
