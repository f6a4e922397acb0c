"""The database layer deployed against moto's server: the application user's secret
and the RDS Proxy option off, on and off again on a live environment, checked
through the AWS API.

The networking layer and the database layer without the proxy are deployed by the
real deploy-layered.sh (--only). An application stack importing from the database
stack is then deployed with `aws cloudformation deploy` (as
test_infra_deploy_application.py does, with the parameters it needs), and the proxy is
switched on and off under it with `aws cloudformation deploy` and the parameter
UseRdsProxy, as deploy-layered.sh passes the database layer's parameters. moto does
not refuse to change an export another stack imports, as CloudFormation does; the
tests check that rule themselves: every export the application stack imports keeps
its value through the switch. The emulator's gaps for the secret and the proxy are
shimmed in moto_emulator_database.py."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
import test_infra_deploy as deploy_harness
from maticko_infra_support import APPLICATION, DATABASE, TEMPLATE_DIR, import_names
from test_infra_deploy import _stack_outputs, run_script
from test_infra_deploy_application import _deploy

# The deploy test's module-scoped fixtures: this module gets a moto server of its own.
emulator = deploy_harness.emulator
aws_env = deploy_harness.aws_env
client = deploy_harness.client

pytestmark = [pytest.mark.infra, pytest.mark.slow]

NETWORK_STACK = "maticko-networking-dev"
DATABASE_STACK = "maticko-database-dev"
APPLICATION_STACK = "maticko-application-dev"
CONNECT_PARAMETER = "/maticko/dev/database/connect-address"


def _deploy_database(emulator: str, aws_env: dict[str, str], *overrides: str) -> None:
    aws = shutil.which("aws", path=aws_env["PATH"])
    assert aws, "the AWS CLI is not installed: pip install -r infrastructure/requirements.txt"
    result = subprocess.run(
        [
            aws,
            "--endpoint-url",
            emulator,
            "cloudformation",
            "deploy",
            "--template-file",
            str(TEMPLATE_DIR / DATABASE),
            "--stack-name",
            DATABASE_STACK,
            "--capabilities",
            "CAPABILITY_IAM",
            "--no-fail-on-empty-changeset",
            "--parameter-overrides",
            "Environment=dev",
            f"NetworkStackName={NETWORK_STACK}",
            *overrides,
        ],
        capture_output=True,
        text=True,
        env=aws_env,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def without_proxy(emulator: str, aws_env: dict[str, str], client) -> dict[str, str]:
    for layer in ("networking", "database"):
        result = run_script("--environment", "dev", "--endpoint-url", emulator, "--only", layer, env=aws_env)
        assert result.returncode == 0, result.stdout + result.stderr
    return _stack_outputs(client, DATABASE_STACK)


def _exports(client) -> dict[str, str]:
    """The database stack's exports (moto lists an application stack's export of its
    Auto Scaling group, absent until an image is deployed, without a value)."""
    exports = client("cloudformation").list_exports()["Exports"]
    return {e["Name"]: e["Value"] for e in exports if e["Name"].startswith(f"{DATABASE_STACK}-")}


def _connect_address(client) -> str:
    return client("ssm").get_parameter(Name=CONNECT_PARAMETER)["Parameter"]["Value"]


@pytest.fixture(scope="module")
def application(without_proxy, emulator: str, aws_env: dict[str, str], client) -> dict[str, str]:
    """An application stack importing the database stack's exports, deployed before
    the proxy is switched; returns the exports it imports with their values then."""
    ami = client("ec2").describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    _deploy(
        emulator,
        aws_env,
        APPLICATION,
        APPLICATION_STACK,
        Environment="dev",
        NetworkStackName=NETWORK_STACK,
        DatabaseStackName=DATABASE_STACK,
        AmiId=ami,
    )
    imported = {
        f"{DATABASE_STACK}-{suffix}"
        for stack, suffix in import_names(APPLICATION)
        if stack == "DatabaseStackName"
    }
    exports = _exports(client)
    assert imported <= set(exports), imported - set(exports)
    return {name: exports[name] for name in imported}


@pytest.fixture(scope="module")
def with_proxy(application, emulator: str, aws_env: dict[str, str], client) -> dict[str, str]:
    _deploy_database(emulator, aws_env, "UseRdsProxy=true")
    return _stack_outputs(client, DATABASE_STACK)


def _instance(client, outputs: dict[str, str]) -> dict:
    return client("rds").describe_db_instances(DBInstanceIdentifier=outputs["DBInstanceIdentifier"])[
        "DBInstances"
    ][0]


def test_without_proxy_the_application_connects_to_the_instance(without_proxy, client) -> None:
    instance = _instance(client, without_proxy)
    assert without_proxy["DBConnectAddress"] == instance["Endpoint"]["Address"]
    assert without_proxy["DBEndpointAddress"] == instance["Endpoint"]["Address"]
    assert client("rds").describe_db_proxies()["DBProxies"] == []
    assert _connect_address(client) == instance["Endpoint"]["Address"]
    exports = _exports(client)
    assert f"{DATABASE_STACK}-DBConnectAddress" not in exports
    assert exports[f"{DATABASE_STACK}-DBConnectAddressParameter"] == CONNECT_PARAMETER
    assert exports[f"{DATABASE_STACK}-DBConnectAddressParameterArn"].endswith(
        f":parameter{CONNECT_PARAMETER}"
    )
    assert exports[f"{DATABASE_STACK}-DBAppSecretArn"] == without_proxy["DBAppSecretArn"]


def test_application_user_secret_is_generated(without_proxy, client) -> None:
    secrets = client("secretsmanager")
    value = json.loads(secrets.get_secret_value(SecretId=without_proxy["DBAppSecretArn"])["SecretString"])
    assert set(value) == {"username", "password"}
    assert value["username"] == "maticko_app_a"
    assert len(value["password"]) == 40
    assert value["password"].isalnum()
    description = secrets.describe_secret(SecretId=without_proxy["DBAppSecretArn"])
    network = _stack_outputs(client, NETWORK_STACK)
    assert description["KmsKeyId"] == network["EncryptionKeyArn"]
    # A secret of its own, not the master user's.
    assert without_proxy["DBAppSecretArn"] != without_proxy["DBMasterSecretArn"]


def test_with_proxy_the_application_connects_to_the_proxy(with_proxy, client) -> None:
    rds = client("rds")
    proxies = rds.describe_db_proxies()["DBProxies"]
    assert len(proxies) == 1
    proxy = proxies[0]
    assert proxy["DBProxyName"] == "maticko-dev"
    assert with_proxy["DBConnectAddress"] == proxy["Endpoint"]
    # The release container keeps reaching the instance directly.
    instance = _instance(client, with_proxy)
    assert with_proxy["DBEndpointAddress"] == instance["Endpoint"]["Address"]
    assert with_proxy["DBConnectAddress"] != with_proxy["DBEndpointAddress"]
    assert _connect_address(client) == proxy["Endpoint"]


def test_proxy_is_private_tls_only_and_logs_in_with_the_application_secret(with_proxy, client) -> None:
    proxy = client("rds").describe_db_proxies(DBProxyName="maticko-dev")["DBProxies"][0]
    network = _stack_outputs(client, NETWORK_STACK)
    assert proxy["EngineFamily"] == "POSTGRESQL"
    assert proxy["RequireTLS"] is True
    assert set(proxy["VpcSubnetIds"]) == {network["PrivateSubnetAId"], network["PrivateSubnetBId"]}
    assert proxy["VpcSecurityGroupIds"] == [network["DatabaseProxySecurityGroupId"]]
    assert [(a["SecretArn"], a["IAMAuth"]) for a in proxy["Auth"]] == [
        (with_proxy["DBAppSecretArn"], "DISABLED")
    ]
    role = client("iam").get_role(RoleName=proxy["RoleArn"].rsplit("/", 1)[1])["Role"]
    trusted = role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
    assert trusted == {"Service": "rds.amazonaws.com"}


def test_proxy_targets_the_instance_with_a_bounded_pool(with_proxy, client) -> None:
    rds = client("rds")
    targets = rds.describe_db_proxy_targets(DBProxyName="maticko-dev")["Targets"]
    assert [(t["RdsResourceId"], t["Type"]) for t in targets] == [
        (with_proxy["DBInstanceIdentifier"], "RDS_INSTANCE")
    ]
    group = rds.describe_db_proxy_target_groups(DBProxyName="maticko-dev")["TargetGroups"][0]
    assert group["TargetGroupName"] == "default"
    assert group["ConnectionPoolConfig"]["MaxConnectionsPercent"] == 70
    assert group["ConnectionPoolConfig"]["MaxIdleConnectionsPercent"] == 35


def test_switching_the_proxy_on_keeps_the_instance_and_the_secret(without_proxy, with_proxy, client) -> None:
    assert with_proxy["DBInstanceIdentifier"] == without_proxy["DBInstanceIdentifier"]
    assert with_proxy["DBEndpointAddress"] == without_proxy["DBEndpointAddress"]
    assert with_proxy["DBAppSecretArn"] == without_proxy["DBAppSecretArn"]


def _stack_status(client, stack: str) -> str:
    return client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]


def test_switching_the_proxy_on_under_an_application_stack_keeps_its_imports(
    application, with_proxy, client
) -> None:
    # CloudFormation refuses an update that changes an export another stack imports;
    # with the address in the parameter, nothing the application imports changes.
    assert _stack_status(client, DATABASE_STACK) == "UPDATE_COMPLETE"
    assert {name: _exports(client).get(name) for name in application} == application
    assert _connect_address(client) == with_proxy["DBConnectAddress"] != with_proxy["DBEndpointAddress"]


# Last: it switches the proxy off again under the tests above.
def test_switching_the_proxy_off_again_restores_the_instance_address(
    application, with_proxy, emulator: str, aws_env: dict[str, str], client
) -> None:
    assert _connect_address(client) == with_proxy["DBConnectAddress"]
    _deploy_database(emulator, aws_env, "UseRdsProxy=false")
    assert _stack_status(client, DATABASE_STACK) == "UPDATE_COMPLETE"
    assert _connect_address(client) == with_proxy["DBEndpointAddress"]
    assert {name: _exports(client).get(name) for name in application} == application
    assert _stack_status(client, APPLICATION_STACK) in ("CREATE_COMPLETE", "UPDATE_COMPLETE")
