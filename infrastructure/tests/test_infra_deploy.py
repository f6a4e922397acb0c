"""deploy-layered.sh: its errors without the AWS CLI or credentials, and a full
deploy of the three layers against moto's server, checked through the AWS API.

moto cannot emulate everything CloudFormation does; the gaps the deploy would hit
are shimmed in moto_emulator.py (the harness), never in the templates. See
infrastructure/README.md, "Emulator gaps"."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from maticko_infra_support import INFRA_DIR, find_tool

pytestmark = [pytest.mark.infra, pytest.mark.slow]

SCRIPT = INFRA_DIR / "deploy-layered.sh"
EMULATOR = Path(__file__).resolve().parent / "moto_emulator.py"
REGION = "eu-central-1"
IMAGE_TAG = "0f1e2d3c4b5a69788796a5b4c3d2e1f001234567"


def run_script(*args: str, env: dict[str, str], timeout: int = 400) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=timeout
    )


def _base_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_CONFIG_FILE=str(tmp_path / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-aws-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


# ---------------------------------------------------------------- without AWS


def test_help_describes_the_options(tmp_path: Path) -> None:
    result = run_script("--help", env=_base_env(tmp_path))
    assert result.returncode == 0
    for option in ("--environment", "--region", "--image-tag", "--endpoint-url", "--db-host"):
        assert option in result.stdout


def test_unknown_option_and_bad_environment_are_refused(tmp_path: Path) -> None:
    result = run_script("--frobnicate", env=_base_env(tmp_path))
    assert result.returncode != 0
    assert "unknown option" in result.stderr
    result = run_script("--environment", "staging", env=_base_env(tmp_path))
    assert result.returncode != 0
    assert "dev or prod" in result.stderr


def test_a_database_class_needs_its_connections_alarm(tmp_path: Path) -> None:
    # The database template's Rules refuse it too, but only after minutes of CloudFormation.
    result = run_script("--db-instance-class", "db.t4g.large", env=_base_env(tmp_path))
    assert result.returncode != 0
    assert "needs --connections-alarm" in result.stderr
    result = run_script("--connections-alarm", "many", env=_base_env(tmp_path))
    assert result.returncode != 0
    assert "must be a number" in result.stderr
    result = run_script("--waf-rate-limit", "lots", env=_base_env(tmp_path))
    assert result.returncode != 0
    assert "must be a number of requests" in result.stderr


def test_missing_aws_cli_is_a_clear_error(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("dirname", "basename"):
        target = find_tool(tool)
        assert target, tool
        (bin_dir / tool).symlink_to(target)
    env = {**_base_env(tmp_path), "PATH": str(bin_dir)}
    bash = find_tool("bash")
    result = subprocess.run([bash, str(SCRIPT), "-e", "dev"], capture_output=True, text=True, env=env)
    assert result.returncode == 1
    assert "AWS CLI" in result.stderr


def test_missing_credentials_are_a_clear_error(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "aws"
    fake.write_text("#!/bin/sh\necho 'Unable to locate credentials' >&2\nexit 255\n")
    fake.chmod(0o755)
    env = {**_base_env(tmp_path), "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    result = run_script("-e", "dev", "-r", REGION, env=env)
    assert result.returncode == 1
    assert "no usable AWS credentials" in result.stderr


# ---------------------------------------------------------------- against moto


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    pytest.importorskip("moto.server", reason="moto[server] is not installed")
    pytest.importorskip("flask", reason="moto[server] is not installed (flask missing)")
    port = _free_port()
    log_path = tmp_path_factory.mktemp("moto") / "moto.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, str(EMULATOR), str(port)], stdout=log, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"moto server did not start:\n{log_path.read_text()}")
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def aws_env(emulator: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    aws = find_tool("aws")
    if aws is None:
        pytest.fail("the AWS CLI is not installed: pip install -r infrastructure/requirements.txt")
    env = _base_env(tmp_path_factory.mktemp("aws"))
    env.update(
        PATH=f"{Path(aws).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=REGION,
        HEALTH_WAIT_SECONDS="30",
    )
    return env


@pytest.fixture(scope="module")
def client(emulator: str):
    boto3 = pytest.importorskip("boto3")

    def make(service: str):
        return boto3.client(
            service,
            region_name=REGION,
            endpoint_url=emulator,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    return make


@pytest.fixture(scope="module")
def deployed(emulator: str, aws_env: dict[str, str], client) -> dict[str, subprocess.CompletedProcess[str]]:
    """First deploy (no image yet), push an image, deploy it, deploy it again."""
    runs = {}
    runs["bootstrap"] = run_script("--environment", "dev", "--endpoint-url", emulator, env=aws_env)
    assert runs["bootstrap"].returncode == 0, runs["bootstrap"].stdout + runs["bootstrap"].stderr
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
    client("ecr").put_image(
        repositoryName="maticko-dev", imageManifest=json.dumps(manifest), imageTag=IMAGE_TAG
    )
    args = ("--environment", "dev", "--endpoint-url", emulator, "--image-tag", IMAGE_TAG)
    runs["image"] = run_script(*args, env=aws_env)
    assert runs["image"].returncode == 0, runs["image"].stdout + runs["image"].stderr
    runs["again"] = run_script(*args, env=aws_env)
    assert runs["again"].returncode == 0, runs["again"].stdout + runs["again"].stderr
    return runs


def _stack_outputs(client, stack: str) -> dict[str, str]:
    stack_description = client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack_description.get("Outputs", [])}


def test_deploy_prints_the_site_url(deployed, client) -> None:
    url = _stack_outputs(client, "maticko-application-dev")["SiteUrl"]
    assert url.startswith("http://")
    assert ".elb.amazonaws.com" in url
    assert f"Maticko (dev): {url}" in deployed["bootstrap"].stdout
    assert "No image deployed yet" in deployed["bootstrap"].stdout
    assert f"image {IMAGE_TAG} is running" in deployed["image"].stdout


def test_layers_are_deployed_in_dependency_order(deployed) -> None:
    out = deployed["bootstrap"].stdout
    positions = [
        out.index(f"deploying maticko-{layer}-dev") for layer in ("networking", "database", "application")
    ]
    assert positions == sorted(positions)


def test_a_rerun_without_changes_changes_nothing(deployed) -> None:
    out = deployed["again"].stdout
    for stack in ("networking", "database", "application"):
        assert f"No changes to deploy. Stack maticko-{stack}-dev is up to date" in out


def test_stacks_are_complete_and_export_for_the_next_layer(deployed, client) -> None:
    cfn = client("cloudformation")
    for stack in ("networking", "database", "application"):
        status = cfn.describe_stacks(StackName=f"maticko-{stack}-dev")["Stacks"][0]["StackStatus"]
        assert status in {"CREATE_COMPLETE", "UPDATE_COMPLETE"}, stack
    exports = {e["Name"] for e in cfn.list_exports()["Exports"]}
    assert "maticko-networking-dev-VpcId" in exports
    assert "maticko-database-dev-DBMasterSecretArn" in exports


def test_vpc_and_subnets(deployed, client) -> None:
    ec2 = client("ec2")
    network = _stack_outputs(client, "maticko-networking-dev")
    vpc = ec2.describe_vpcs(VpcIds=[network["VpcId"]])["Vpcs"][0]
    assert vpc["CidrBlock"] == "10.0.0.0/16"
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [network["VpcId"]]}])["Subnets"]
    by_id = {s["SubnetId"]: s for s in subnets}
    expected = {
        "PublicSubnetAId": "10.0.1.0/24",
        "PublicSubnetBId": "10.0.2.0/24",
        "PrivateSubnetAId": "10.0.11.0/24",
        "PrivateSubnetBId": "10.0.12.0/24",
    }
    for output, cidr in expected.items():
        assert by_id[network[output]]["CidrBlock"] == cidr
    zones = {by_id[network[o]]["AvailabilityZone"] for o in ("PrivateSubnetAId", "PrivateSubnetBId")}
    assert len(zones) == 2
    # dev shares one NAT gateway.
    nats = ec2.describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [network["VpcId"]]}])[
        "NatGateways"
    ]
    assert len(nats) == 1
    assert nats[0]["SubnetId"] == network["PublicSubnetAId"]


def test_security_groups_chain_by_group(deployed, client) -> None:
    ec2 = client("ec2")
    network = _stack_outputs(client, "maticko-networking-dev")
    alb, instances, database = (
        network["LoadBalancerSecurityGroupId"],
        network["InstanceSecurityGroupId"],
        network["DatabaseSecurityGroupId"],
    )
    groups = {
        g["GroupId"]: g["IpPermissions"]
        for g in ec2.describe_security_groups(GroupIds=[alb, instances, database])["SecurityGroups"]
    }
    alb_rules = {(p["FromPort"], p["ToPort"], r["CidrIp"]) for p in groups[alb] for r in p["IpRanges"]}
    assert alb_rules == {(80, 80, "0.0.0.0/0"), (443, 443, "0.0.0.0/0")}
    # The database also admits the RDS Proxy's group (used when the proxy is on).
    proxy = network["DatabaseProxySecurityGroupId"]
    for group, port, sources in ((instances, 8000, {alb}), (database, 5432, {instances, proxy})):
        assert len(groups[group]) == 1
        rule = groups[group][0]
        assert (rule["FromPort"], rule["ToPort"]) == (port, port)
        assert rule["IpRanges"] == []
        assert {pair["GroupId"] for pair in rule["UserIdGroupPairs"]} == sources


def test_load_balancer_and_health_check(deployed, client) -> None:
    elbv2 = client("elbv2")
    network = _stack_outputs(client, "maticko-networking-dev")
    app = _stack_outputs(client, "maticko-application-dev")
    lb = elbv2.describe_load_balancers()["LoadBalancers"]
    lb = next(b for b in lb if b["DNSName"] == app["LoadBalancerDNSName"])
    assert lb["Scheme"] == "internet-facing"
    assert {z["SubnetId"] for z in lb["AvailabilityZones"]} == {
        network["PublicSubnetAId"],
        network["PublicSubnetBId"],
    }
    assert lb["SecurityGroups"] == [network["LoadBalancerSecurityGroupId"]]
    tg = elbv2.describe_target_groups(TargetGroupArns=[app["TargetGroupArn"]])["TargetGroups"][0]
    assert (tg["Protocol"], tg["Port"]) == ("HTTP", 8000)
    assert tg["HealthCheckPath"] == "/health/live/"
    assert tg["HealthCheckIntervalSeconds"] == 30
    listeners = elbv2.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]
    assert [(x["Port"], x["Protocol"], x["DefaultActions"][0]["Type"]) for x in listeners] == [
        (80, "HTTP", "forward")
    ]


def test_auto_scaling_group(deployed, client) -> None:
    network = _stack_outputs(client, "maticko-networking-dev")
    app = _stack_outputs(client, "maticko-application-dev")
    group = client("autoscaling").describe_auto_scaling_groups(
        AutoScalingGroupNames=[app["AutoScalingGroupName"]]
    )["AutoScalingGroups"][0]
    assert (group["MinSize"], group["MaxSize"], group["DesiredCapacity"]) == (1, 10, 2)
    assert group["HealthCheckType"] == "ELB"
    assert set(group["VPCZoneIdentifier"].split(",")) == {
        network["PrivateSubnetAId"],
        network["PrivateSubnetBId"],
    }
    assert group["TargetGroupARNs"] == [app["TargetGroupArn"]]
    assert len(group["Instances"]) == 2
    assert app["ImageTag"] == IMAGE_TAG


def test_launch_template_is_imdsv2_on_amazon_linux_2023(deployed, client) -> None:
    ec2 = client("ec2")
    templates = ec2.describe_launch_templates()["LaunchTemplates"]
    assert len(templates) == 1
    version = ec2.describe_launch_template_versions(LaunchTemplateId=templates[0]["LaunchTemplateId"])[
        "LaunchTemplateVersions"
    ][-1]["LaunchTemplateData"]
    assert version["MetadataOptions"]["HttpTokens"] == "required"
    assert version["InstanceType"] == "t3.micro"
    image = ec2.describe_images(ImageIds=[version["ImageId"]])["Images"][0]
    assert "al2023" in image["Name"]
    import base64

    user_data = base64.b64decode(version["UserData"]).decode()
    assert f"APP_VERSION={IMAGE_TAG}" in user_data
    assert f"maticko-dev:{IMAGE_TAG}" in user_data


def test_database(deployed, client) -> None:
    rds = client("rds")
    database = _stack_outputs(client, "maticko-database-dev")
    instance = rds.describe_db_instances(DBInstanceIdentifier=database["DBInstanceIdentifier"])[
        "DBInstances"
    ][0]
    assert instance["Engine"] == "postgres"
    assert instance["StorageEncrypted"] is True
    assert instance["BackupRetentionPeriod"] == 7
    assert instance["PubliclyAccessible"] is False
    assert instance["MultiAZ"] is False  # dev; prod is checked in test_prod_environment
    assert instance["MasterUserSecret"]["SecretArn"] == database["DBMasterSecretArn"]
    assert database["DBEndpointAddress"] == instance["Endpoint"]["Address"]
    assert instance["MasterUsername"] == "maticko"
    secret = client("secretsmanager").get_secret_value(SecretId=database["DBMasterSecretArn"])
    assert set(json.loads(secret["SecretString"])) >= {"username", "password"}


def test_storage_resources(deployed, client) -> None:
    app = _stack_outputs(client, "maticko-application-dev")
    repo = client("ecr").describe_repositories(repositoryNames=["maticko-dev"])["repositories"][0]
    # (scan on push: moto stores CloudFormation's ScanOnPush under the wrong key
    # case and reports {}; the template test checks it.)
    assert repo["imageTagMutability"] == "IMMUTABLE"
    encryption = client("s3").get_bucket_encryption(Bucket=app["MediaBucketName"])
    rule = encryption["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    # (Versioning and the public access block: moto's bucket ignores them in
    # templates; the template test checks them.)
    group = client("logs").describe_log_groups(logGroupNamePrefix="/maticko/dev/app")["logGroups"][0]
    assert group["retentionInDays"] == 30


def test_missing_image_is_refused_before_deploying(deployed, emulator, aws_env) -> None:
    result = run_script("-e", "dev", "--endpoint-url", emulator, "--image-tag", "not-pushed", env=aws_env)
    assert result.returncode == 1
    assert "maticko-dev:not-pushed is not in ECR" in result.stderr


def test_prod_environment(deployed, emulator, aws_env, client) -> None:
    result = run_script("--environment", "prod", "--endpoint-url", emulator, env=aws_env)
    assert result.returncode == 0, result.stdout + result.stderr
    network = _stack_outputs(client, "maticko-networking-prod")
    nats = client("ec2").describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [network["VpcId"]]}])[
        "NatGateways"
    ]
    assert {n["SubnetId"] for n in nats} == {network["PublicSubnetAId"], network["PublicSubnetBId"]}
    database = _stack_outputs(client, "maticko-database-prod")
    instance = client("rds").describe_db_instances(DBInstanceIdentifier=database["DBInstanceIdentifier"])[
        "DBInstances"
    ][0]
    assert instance["MultiAZ"] is True
    # (DeletionProtection: moto's DBInstance ignores the property in templates;
    # the template test checks it.)
